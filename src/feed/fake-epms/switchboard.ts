/**
 * How the fake ePMS misbehaves, per request: answer normally, answer 503, hang (never answer, so
 * the sender times out), answer 400 (refuse the event), or book the event and then drop the
 * connection without answering (the sender cannot know it arrived, and sends it again). A rule
 * applies to every prescription or to one, for a number of requests or until changed. Refusing
 * connections altogether is not a per-request behaviour: the server closes its listening socket.
 */

export const BEHAVIOURS = ['normal', 'unavailable', 'hang', 'reject', 'drop-after-apply'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export interface Rule {
  behaviour: Behaviour;
  /** Only this prescription's events; all when omitted. */
  prescriptionId?: string;
  /** For this many requests, then the rule is spent; until changed when omitted. */
  times?: number;
}

export class Switchboard {
  /** Per-prescription rules, newest first, then at most one rule for everything. */
  #rules: Rule[] = [];
  #general: Rule | undefined;

  /** Sets a rule, replacing the earlier one for the same prescription (or the general one). */
  set(rule: Rule): void {
    if (!BEHAVIOURS.includes(rule.behaviour)) throw new Error(`unknown behaviour ${String(rule.behaviour)}`);
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) {
      throw new Error('times must be a whole number above 0');
    }
    const copy = { ...rule };
    if (rule.prescriptionId === undefined) {
      this.#general = copy.behaviour === 'normal' && copy.times === undefined ? undefined : copy;
      return;
    }
    this.#rules = [copy, ...this.#rules.filter((other) => other.prescriptionId !== rule.prescriptionId)];
  }

  /** The behaviour for the next request about `prescriptionId`; spends one use of its rule. */
  next(prescriptionId: string | undefined): Behaviour {
    const specific = this.#rules.find((rule) => rule.prescriptionId === prescriptionId);
    const rule = specific ?? this.#general;
    if (!rule) return 'normal';
    if (rule.times !== undefined) {
      rule.times--;
      if (rule.times === 0) this.#drop(rule);
    }
    return rule.behaviour;
  }

  rules(): Rule[] {
    return [...this.#rules, ...(this.#general ? [this.#general] : [])].map((rule) => ({ ...rule }));
  }

  reset(): void {
    this.#rules = [];
    this.#general = undefined;
  }

  #drop(rule: Rule): void {
    if (rule === this.#general) this.#general = undefined;
    else this.#rules = this.#rules.filter((other) => other !== rule);
  }
}
