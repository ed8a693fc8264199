/**
 * Every event type the product's code can emit, read from the source (syntax only, fast): each call
 * of the outbox's `emit()` outside tests, and the event type of its `type` property — a string
 * literal, a conditional between literals, or a `const` naming a literal (in any source file).
 * Anything else is reported with no types, so a new emit cannot slip past the events catalogue by
 * computing its type: name it as a literal or a const.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface EmitSite {
  /** `src/…/file.ts:line` */
  at: string;
  /** The event types the call can emit; empty when they could not be determined. */
  types: string[];
}

function productSources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return productSources(full);
    // Test helpers live in test/support, so under src/ only the tests themselves are not product.
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

export function findEmitSites(root = ROOT): EmitSite[] {
  const sources = productSources(path.join(root, 'src')).map((file) =>
    ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true),
  );
  const constants = stringConstants(sources);
  const sites: EmitSite[] = [];
  for (const source of sources) {
    if (!importsOutboxEmit(source)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'emit') {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        sites.push({
          at: `${path.relative(root, source.fileName)}:${line + 1}`,
          types: eventTypes(node, constants) ?? [],
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}

function importsOutboxEmit(source: ts.SourceFile): boolean {
  return source.statements.some(
    (statement) =>
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      /outbox\/(outbox|events)\.js$|^\.\/(outbox|events)\.js$/.test(statement.moduleSpecifier.text) &&
      statement.importClause?.namedBindings !== undefined &&
      ts.isNamedImports(statement.importClause.namedBindings) &&
      statement.importClause.namedBindings.elements.some((element) => element.name.text === 'emit'),
  );
}

/** `const NAME = 'literal'` at the top level of any source file (names are unique enough here). */
function stringConstants(sources: readonly ts.SourceFile[]): Map<string, string> {
  const constants = new Map<string, string>();
  for (const source of sources) {
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const))
        continue;
      for (const declaration of statement.declarationList.declarations) {
        const value = declaration.initializer && unwrap(declaration.initializer);
        if (ts.isIdentifier(declaration.name) && value && ts.isStringLiteralLike(value)) {
          constants.set(declaration.name.text, value.text);
        }
      }
    }
  }
  return constants;
}

function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function eventTypes(call: ts.CallExpression, constants: ReadonlyMap<string, string>): string[] | undefined {
  const event = call.arguments[1] && unwrap(call.arguments[1]);
  if (!event || !ts.isObjectLiteralExpression(event)) return undefined;
  const property = event.properties.find(
    (element): element is ts.PropertyAssignment =>
      ts.isPropertyAssignment(element) && ts.isIdentifier(element.name) && element.name.text === 'type',
  );
  return property ? valuesOf(property.initializer, constants) : undefined;
}

function valuesOf(expression: ts.Expression, constants: ReadonlyMap<string, string>): string[] | undefined {
  const node = unwrap(expression);
  if (ts.isStringLiteralLike(node)) return [node.text];
  if (ts.isIdentifier(node)) {
    const value = constants.get(node.text);
    return value === undefined ? undefined : [value];
  }
  if (ts.isConditionalExpression(node)) {
    const whenTrue = valuesOf(node.whenTrue, constants);
    const whenFalse = valuesOf(node.whenFalse, constants);
    return whenTrue && whenFalse ? [...whenTrue, ...whenFalse] : undefined;
  }
  return undefined;
}
