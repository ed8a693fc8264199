/** POST /fhir/R4/$process-message: dispatch by the MessageHeader's event to its handler. */
import type { FastifyInstance } from 'fastify';
import type { AccessControl } from '../../platform/auth/fastify.js';
import { policyInHandler } from '../../platform/auth/policy.js';
import { invalid } from '../../platform/errors/problem.js';
import { assertMessageBundle, messageEvent } from '../order/bundle-entries.js';
import type { MessageHandlers } from './message-handlers.js';

export function registerProcessMessage(
  fhir: FastifyInstance,
  deps: { access: AccessControl; handlers: MessageHandlers },
) {
  // Every authenticated caller reaches the dispatch; the event's own policy then decides (after
  // the Bundle is read: which policy applies is in it).
  const access = policyInHandler("the policy of the message event's handler (message-handlers.ts)");
  fhir.post('/$process-message', { config: { access } }, async (request, reply) => {
    const bundle = assertMessageBundle(request.body);
    const event = messageEvent(bundle);
    const handler = deps.handlers.get(event);
    if (!handler) {
      throw invalid(
        `Message event ${event} is not supported here (supported: ${deps.handlers.events().join(', ')})`,
        'MessageHeader.eventCoding.code',
      );
    }
    await deps.access.enforce(request, handler.policy);
    return handler.handle(request, reply, bundle);
  });
}
