import { NOTIFICATIONS_SERVICE, ProviderError } from '../../notifications/index.js';
import type { ServiceRegistry } from '../../platform/capability.js';
import { Problem } from '../../platform/errors/problem.js';

export interface CodeMessage {
  channel: 'sms' | 'email';
  /** +447… or an email address. */
  to: string;
  template: 'sign-in-code' | 'verify-contact' | 'unlock-code';
  code: string;
}

/** Resolves once the provider accepted the message; throws CodeNotSent otherwise. */
export type CodeSender = (message: CodeMessage) => Promise<void>;

/**
 * Not sent. `permanent`: the provider will never accept it (for a contact detail the person just
 * typed, the detail is wrong); `temporary`: trying again later may work.
 */
export class CodeNotSent extends Error {
  constructor(
    readonly kind: 'temporary' | 'permanent',
    readonly channel: 'sms' | 'email',
  ) {
    super(`one-time code not sent by ${channel} (${kind})`);
    this.name = 'CodeNotSent';
  }
}

export function notificationsCodeSender(services: () => ServiceRegistry | undefined): CodeSender {
  return async (message) => {
    const registry = services();
    if (!registry?.has(NOTIFICATIONS_SERVICE)) throw new CodeNotSent('temporary', message.channel);
    const notifications = registry.get(NOTIFICATIONS_SERVICE);
    try {
      await notifications.sendNow({
        channel: message.channel,
        to: message.to,
        template: message.template,
        personalisation: { code: message.code },
      });
    } catch (error) {
      if (error instanceof ProviderError) throw new CodeNotSent(error.kind, message.channel);
      // sendNow's TypeErrors are programming errors, but the person still gets a clean answer.
      throw new CodeNotSent('temporary', message.channel);
    }
  };
}

/** 503 for a code that could not be sent (nothing in it names the recipient). */
export function codeNotSentProblem(error: CodeNotSent): Problem {
  const what = error.channel === 'sms' ? 'text message' : 'email';
  return new Problem('SERVICE_UNAVAILABLE', `We could not send the ${what} with your code; try again later`, {
    headers: { 'retry-after': '30' },
  });
}
