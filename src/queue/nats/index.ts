/**
 * effect-faults/queue/nats: the NatsDriver on its own entry point, since it loads an optional peer
 * dependency that users of the other drivers do not need.
 *
 * @since 0.1.0
 */

/**
 * NATS JetStream: Nak with delay, Term, InProgress.
 *
 * @since 0.1.0
 */
export * as NatsDriver from "../NatsDriver.ts"
