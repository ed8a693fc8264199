/**
 * `$process-message` serves several capabilities: prescribing handles prescription-order and
 * prescription-order-update, dispensing registers dispense-notification. Each handler declares
 * the access policy for its event; the route enforces it before the handler runs.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessPolicy } from '../../platform/auth/policy.js';

export interface MessageHandler {
  policy: AccessPolicy;
  handle(request: FastifyRequest, reply: FastifyReply, bundle: Bundle): Promise<FastifyReply>;
}

export class MessageHandlers {
  readonly #handlers = new Map<string, MessageHandler>();

  register(event: string, handler: MessageHandler): void {
    if (this.#handlers.has(event)) throw new Error(`a handler for ${event} is already registered`);
    this.#handlers.set(event, handler);
  }

  get(event: string): MessageHandler | undefined {
    return this.#handlers.get(event);
  }

  events(): string[] {
    return [...this.#handlers.keys()];
  }
}
