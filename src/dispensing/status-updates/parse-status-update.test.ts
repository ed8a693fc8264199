/** Prescription status updates in the shape of NHS England's PSU API, and the cool-down rule. */
import type { Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import { statusUpdate } from '../examples/messages.js';
import { notifyPatient, PSU_STATUSES, parseStatusUpdate } from './parse-status-update.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const statusUpdateTask = (input: Parameters<typeof statusUpdate>[0]) =>
  statusUpdate({ lastModified: NOW.toISOString(), ...input });

const base = {
  shortFormId: '24F5DA-A83008-7EFE6Z',
  itemId: 'A54219B8-F741-4C47-B662-E4F8DFA49AB6',
  pharmacy: 'FCG71',
};

function refusal(task: Task): string {
  try {
    parseStatusUpdate(task, NOW);
  } catch (error) {
    if (error instanceof Problem) return `${error.code} ${error.issues[0]!.expression ?? ''}`;
    throw error;
  }
  return 'accepted';
}

describe('prescription status updates', () => {
  it('reads every PSU business status, each with words for the patient', () => {
    for (const status of Object.keys(PSU_STATUSES)) {
      const update = parseStatusUpdate(statusUpdateTask({ ...base, status }), NOW);
      expect(update).toMatchObject({
        shortFormId: base.shortFormId,
        itemId: base.itemId.toLowerCase(),
        businessStatus: status,
      });
      expect(PSU_STATUSES[update.businessStatus]).not.toMatch(/[A-Z]{3}/);
    }
  });

  it('refuses a lastModified more than 24 hours ahead, and accepts one just inside', () => {
    const ahead = (ms: number) =>
      statusUpdateTask({
        ...base,
        status: 'Ready to Collect',
        lastModified: new Date(NOW.getTime() + ms).toISOString(),
      });
    expect(refusal(ahead(24 * 3600 * 1000 + 1000))).toBe('INVALID_VALUE Task.lastModified');
    expect(refusal(ahead(23 * 3600 * 1000))).toBe('accepted');
  });

  it('refuses unknown statuses, a bad prescription ID, and missing parts, naming the element', () => {
    expect(refusal(statusUpdateTask({ ...base, status: 'Ready' }))).toBe(
      'INVALID_VALUE Task.businessStatus.coding.code',
    );
    expect(
      refusal(statusUpdateTask({ ...base, shortFormId: '24F5DA-A83008-7EFE6A', status: 'Collected' })),
    ).toBe('INVALID_CHECKSUM Task.basedOn');
    const noOwner = statusUpdateTask({ ...base, status: 'Collected' });
    delete noOwner.owner;
    expect(refusal(noOwner)).toBe('MISSING_VALUE Task.owner');
    const noFocus = statusUpdateTask({ ...base, status: 'Collected' });
    delete noFocus.focus;
    expect(refusal(noFocus)).toBe('MISSING_VALUE Task.focus');
    const noId = statusUpdateTask({ ...base, status: 'Collected' });
    delete noId.identifier;
    expect(refusal(noId)).toBe('MISSING_VALUE Task.identifier');
  });

  it('messages the patient for ready to collect, not again within the cool-down', () => {
    expect(notifyPatient('Ready to Collect', undefined, NOW, 12)).toBe(true);
    expect(notifyPatient('Ready to Collect - Partial', undefined, NOW, 12)).toBe(true);
    expect(notifyPatient('With Pharmacy', undefined, NOW, 12)).toBe(false);
    const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3600 * 1000);
    expect(notifyPatient('Ready to Collect', hoursAgo(11.9), NOW, 12)).toBe(false);
    expect(notifyPatient('Ready to Collect', hoursAgo(12), NOW, 12)).toBe(true);
  });
});
