import { describe, expect, it } from 'vitest';
import {
  fillPlaceholders,
  MissingPersonalisation,
  ONE_TIME_TEMPLATES,
  PIPELINE_TEMPLATES,
  placeholdersOf,
  render,
  TEMPLATES,
  templateById,
} from './templates.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sample = {
  when: 'Wednesday 30 September 2026 at 10:30am',
  portalUrl: 'https://pathways.example.nhs.uk',
  code: '123456',
};

describe('templates', () => {
  it('has one definition per name, each with two distinct UUIDs', () => {
    const names = [...PIPELINE_TEMPLATES, ...ONE_TIME_TEMPLATES];
    expect(Object.keys(TEMPLATES).sort()).toEqual([...names].sort());
    const ids = Object.values(TEMPLATES).flatMap((definition) => [definition.ids.sms, definition.ids.email]);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(templateById(TEMPLATES['result-available'].ids.email)).toEqual({
      definition: TEMPLATES['result-available'],
      channel: 'email',
    });
    expect(templateById('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('uses exactly the declared fields in every text', () => {
    for (const definition of Object.values(TEMPLATES)) {
      const used = new Set(
        [definition.sms, definition.email.subject, definition.email.body].flatMap(placeholdersOf),
      );
      expect([...used].sort(), definition.name).toEqual([...definition.fields].sort());
    }
  });

  it('gives pipeline messages no field that could carry clinical details', () => {
    // Only a date and time and the portal link: a result, medicine or clinic cannot get in.
    for (const name of PIPELINE_TEMPLATES) {
      for (const field of TEMPLATES[name].fields) expect(['when', 'portalUrl']).toContain(field);
    }
  });

  it('keeps every text message within two SMS fragments', () => {
    for (const definition of Object.values(TEMPLATES)) {
      const { body } = render(definition, 'sms', sample);
      expect(body.length, definition.name).toBeLessThanOrEqual(306);
    }
  });

  it('renders SMS and email, and says what is missing', () => {
    expect(render(TEMPLATES['result-available'], 'sms', sample).body).toBe(
      'You have a new test result in the patient portal. Sign in to see it at https://pathways.example.nhs.uk',
    );
    const email = render(TEMPLATES['appointment-cancelled'], 'email', sample);
    expect(email.subject).toBe('Your hospital appointment has been cancelled');
    expect(email.body).toContain('on Wednesday 30 September 2026 at 10:30am has been cancelled');
    expect(email.body).toContain('Do not reply');
    expect(() => render(TEMPLATES['appointment-cancelled'], 'sms', { portalUrl: 'x' })).toThrow(
      new MissingPersonalisation(['when']),
    );
  });

  it('fills placeholders like Notify: names trimmed and case-insensitive, values kept verbatim', () => {
    expect(fillPlaceholders('Hi (( Name )), ((CODE))', { name: 'A', code: '$&1' })).toBe('Hi A, $&1');
  });
});
