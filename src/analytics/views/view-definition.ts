/**
 * SQL on FHIR v2 ViewDefinitions (pure): checked once into a compiled view, then applied to one
 * resource at a time to give its rows. FHIRPath is HL7's reference implementation (the `fhirpath`
 * package, R4 model), with the functions the specification adds: `getResourceKey()` and
 * `getReferenceKey([type])`. The select algorithm (columns, nested selects, `forEach`,
 * `forEachOrNull`, `unionAll`, the cross product of a select's parts) follows the
 * specification's processing model.
 */
import fhirpath, { type UserInvocationTable } from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4/index.js';
import { invalid } from '../../platform/errors/problem.js';

export type Row = Record<string, unknown>;
type Evaluate = (node: unknown, constants: Record<string, unknown>) => unknown[];

interface Column {
  name: string;
  evaluate: Evaluate;
  collection: boolean;
}

interface Select {
  columns: Column[];
  selects: Select[];
  unionAll: Select[];
  forEach?: Evaluate;
  orNull: boolean;
}

export interface CompiledView {
  resource: string;
  /** Column names in order: the CSV header and the keys of every row. */
  columns: string[];
  run(resource: object): Row[];
}

/** A view that cannot give a row for a resource (a single-valued column with several values). */
export class ViewRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewRunError';
  }
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const CONSTANT_VALUE = /^value[A-Z]/;

function referenceKey(reference: unknown, type?: string): string | undefined {
  const text =
    typeof reference === 'object' && reference ? (reference as { reference?: unknown }).reference : undefined;
  if (typeof text !== 'string') return undefined;
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(text);
  if (!match) return undefined;
  if (type && match[1] !== type) return undefined;
  return match[2];
}

function typeName(specifier: unknown): string | undefined {
  if (specifier === undefined || specifier === null) return undefined;
  if (typeof specifier === 'string') return specifier;
  const name = (specifier as { name?: unknown }).name;
  return typeof name === 'string' ? name : String(specifier);
}

const FUNCTIONS = {
  getResourceKey: {
    fn: (inputs: unknown[]) =>
      inputs.flatMap((input) => {
        const id = typeof input === 'object' && input ? (input as { id?: unknown }).id : undefined;
        return typeof id === 'string' ? [id] : [];
      }),
    arity: { 0: [] },
  },
  getReferenceKey: {
    fn: (inputs: unknown[], type?: unknown) =>
      inputs.flatMap((input) => {
        const key = referenceKey(input, typeName(Array.isArray(type) ? type[0] : type));
        return key === undefined ? [] : [key];
      }),
    arity: { 0: [], 1: ['TypeSpecifier'] },
  },
} as const;

function compilePath(path: unknown, where: string): Evaluate {
  if (typeof path !== 'string' || path.trim() === '') throw invalid(`${where} needs a FHIRPath path`, where);
  try {
    const compiled = fhirpath.compile(path, r4Model, {
      userInvocationTable: FUNCTIONS as unknown as UserInvocationTable,
    });
    return (node, constants) => {
      if (node === null || node === undefined) return [];
      return compiled(node, constants) as unknown[];
    };
  } catch (error) {
    throw invalid(
      `${where}: the FHIRPath ${JSON.stringify(path)} does not parse (${(error as Error).message})`,
      where,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`${where} must be an array`, where);
  return value;
}

function compileSelect(raw: unknown, where: string, names: string[]): Select {
  if (!isObject(raw)) throw invalid(`${where} must be an object`, where);
  if (raw.forEach !== undefined && raw.forEachOrNull !== undefined) {
    throw invalid(`${where} cannot have both forEach and forEachOrNull`, where);
  }
  const columns = arrayOf(raw.column, `${where}.column`).map((column, index) => {
    const at = `${where}.column[${index}]`;
    if (!isObject(column)) throw invalid(`${at} must be an object`, at);
    if (typeof column.name !== 'string' || !NAME.test(column.name)) {
      throw invalid(
        `${at}.name must be a name of letters, digits and _ starting with a letter`,
        `${at}.name`,
      );
    }
    if (names.includes(column.name)) throw invalid(`Column ${column.name} is defined twice`, `${at}.name`);
    names.push(column.name);
    if (column.collection !== undefined && typeof column.collection !== 'boolean') {
      throw invalid(`${at}.collection must be true or false`, `${at}.collection`);
    }
    return {
      name: column.name,
      evaluate: compilePath(column.path, `${at}.path`),
      collection: column.collection === true,
    };
  });
  const selects = arrayOf(raw.select, `${where}.select`).map((select, index) =>
    compileSelect(select, `${where}.select[${index}]`, names),
  );
  const unionAll = compileUnion(arrayOf(raw.unionAll, `${where}.unionAll`), `${where}.unionAll`, names);
  const iterate = raw.forEach ?? raw.forEachOrNull;
  return {
    columns,
    selects,
    unionAll,
    ...(iterate !== undefined ? { forEach: compilePath(iterate, `${where}.forEach`) } : {}),
    orNull: raw.forEachOrNull !== undefined,
  };
}

/** Every branch of a unionAll must give the same columns in the same order. */
function compileUnion(raw: unknown[], where: string, names: string[]): Select[] {
  let shape: string[] | undefined;
  return raw.map((branch, index) => {
    const branchNames: string[] = [];
    const select = compileSelect(branch, `${where}[${index}]`, branchNames);
    if (shape === undefined) {
      shape = branchNames;
      for (const name of branchNames) {
        if (names.includes(name)) throw invalid(`Column ${name} is defined twice`, where);
        names.push(name);
      }
    } else if (shape.join(',') !== branchNames.join(',')) {
      throw invalid(`${where}: every unionAll branch must have the same columns in the same order`, where);
    }
    return select;
  });
}

function constantsOf(raw: unknown): Record<string, unknown> {
  const constants: Record<string, unknown> = {};
  for (const [index, constant] of arrayOf(raw, 'constant').entries()) {
    const at = `constant[${index}]`;
    if (!isObject(constant) || typeof constant.name !== 'string' || !NAME.test(constant.name)) {
      throw invalid(`${at} needs a name`, `${at}.name`);
    }
    const values = Object.keys(constant).filter((key) => CONSTANT_VALUE.test(key));
    if (values.length !== 1) throw invalid(`${at} needs exactly one value[x]`, at);
    constants[constant.name] = constant[values[0]!];
  }
  return constants;
}

export function compileView(raw: unknown): CompiledView {
  if (!isObject(raw)) throw invalid('The ViewDefinition must be a JSON object', 'viewResource');
  if (raw.resourceType !== undefined && raw.resourceType !== 'ViewDefinition') {
    throw invalid('viewResource must be a ViewDefinition', 'resourceType');
  }
  if (typeof raw.resource !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(raw.resource)) {
    throw invalid('The ViewDefinition needs the resource type it reads', 'resource');
  }
  const constants = constantsOf(raw.constant);
  const names: string[] = [];
  const selects = arrayOf(raw.select, 'select').map((select, index) =>
    compileSelect(select, `select[${index}]`, names),
  );
  if (selects.length === 0) throw invalid('The ViewDefinition needs at least one select', 'select');
  const wheres = arrayOf(raw.where, 'where').map((where, index) => {
    const at = `where[${index}]`;
    if (!isObject(where)) throw invalid(`${at} must be an object`, at);
    return compilePath(where.path, `${at}.path`);
  });
  const root: Select = { columns: [], selects, unionAll: [], orNull: false };
  const resourceType = raw.resource;
  return {
    resource: resourceType,
    columns: names,
    run(resource) {
      if ((resource as { resourceType?: unknown }).resourceType !== resourceType) return [];
      for (const where of wheres) {
        if (!holds(where(resource, constants))) return [];
      }
      return runSelect(root, resource, constants, names);
    },
  };
}

/** A where keeps the resource when its path is true (or, for a non-boolean, when it exists). */
function holds(result: unknown[]): boolean {
  if (result.length === 0) return false;
  if (result.length === 1 && typeof result[0] === 'boolean') return result[0];
  return result.some((value) => value !== false);
}

function runSelect(
  select: Select,
  node: unknown,
  constants: Record<string, unknown>,
  names: string[],
): Row[] {
  let focuses: unknown[] = [node];
  if (select.forEach) {
    focuses = select.forEach(node, constants);
    if (focuses.length === 0 && select.orNull) focuses = [null];
  }
  const rows: Row[] = [];
  for (const focus of focuses) {
    const own: Row = {};
    for (const column of select.columns) own[column.name] = columnValue(column, focus, constants);
    let product: Row[] = [own];
    for (const nested of select.selects) product = cross(product, runSelect(nested, focus, constants, names));
    if (select.unionAll.length > 0) {
      const union = select.unionAll.flatMap((branch) => runSelect(branch, focus, constants, names));
      product = cross(product, union);
    }
    rows.push(...product);
  }
  return rows;
}

function cross(left: Row[], right: Row[]): Row[] {
  const out: Row[] = [];
  for (const a of left) for (const b of right) out.push({ ...a, ...b });
  return out;
}

function columnValue(column: Column, focus: unknown, constants: Record<string, unknown>): unknown {
  const values = column.evaluate(focus, constants);
  if (column.collection) return values;
  if (values.length > 1) {
    throw new ViewRunError(
      `Column ${column.name} has ${values.length} values; set collection: true to keep them all`,
    );
  }
  return values.length === 0 ? null : values[0];
}
