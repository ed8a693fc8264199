/**
 * Reading a parsed message's fields as unescaped text, with the positions an ERR segment names.
 * Components and repetitions are 1-based as in HL7's own names (PID-3.4 is field 3, component 4).
 */
import type { Hl7Field, Hl7Segment } from '@medplum/core';
import { type Delimiters, unescapeHl7 } from './escape.js';

/** One repetition of a field: `component(4)` is its fourth component, unescaped. */
export interface Repetition {
  /** The component's text (first subcomponent only when `sub` is omitted). */
  component(index: number, sub?: number): string;
  /** The raw text of the repetition. */
  raw: string;
}

export class SegmentReader {
  constructor(
    readonly segment: Hl7Segment,
    readonly delimiters: Delimiters,
    /** 1-based occurrence of this segment in the message. */
    readonly sequence = 1,
  ) {}

  get name(): string {
    return this.segment.name;
  }

  /** Every repetition of field `index` that is not empty. */
  repetitions(index: number): Repetition[] {
    const field: Hl7Field | undefined = this.segment.fields[index];
    if (!field) return [];
    const raw = field.toString();
    if (raw === '') return [];
    return raw
      .split(this.delimiters.repetition)
      .filter((text) => text !== '')
      .map((text) => {
        const components = text.split(this.delimiters.component);
        return {
          raw: text,
          component: (c: number, sub = 1) =>
            unescapeHl7(
              (components[c - 1] ?? '').split(this.delimiters.subcomponent)[sub - 1] ?? '',
              this.delimiters,
            ).trim(),
        };
      });
  }

  /** Component `component` of the first repetition of field `index`. */
  text(index: number, component = 1): string {
    return this.repetitions(index)[0]?.component(component) ?? '';
  }

  /** HL7's explicit null: the field is `""` (delete what is stored). */
  isNull(index: number): boolean {
    return this.segment.fields[index]?.toString() === '""';
  }

  /** `PID-3` for messages and ERR texts. */
  label(index: number): string {
    return `${this.name}-${index}`;
  }
}

export function segmentsOf(segments: Hl7Segment[], name: string, delimiters: Delimiters): SegmentReader[] {
  return segments.filter((s) => s.name === name).map((s, i) => new SegmentReader(s, delimiters, i + 1));
}

/** Every segment in message order, each numbered among those of its name. */
export function readersInOrder(segments: Hl7Segment[], delimiters: Delimiters): SegmentReader[] {
  const counts = new Map<string, number>();
  return segments.map((s) => {
    const sequence = (counts.get(s.name) ?? 0) + 1;
    counts.set(s.name, sequence);
    return new SegmentReader(s, delimiters, sequence);
  });
}
