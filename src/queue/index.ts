/**
 * effect-faults/queue: faults as message dispositions and failure headers, on an in-memory queue,
 * RabbitMQ and NATS JetStream.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as Disposition from "./Disposition.ts"

/**
 * @since 0.1.0
 */
export * as Headers from "./Headers.ts"

/**
 * @since 0.1.0
 */
export * as ErrorMessage from "./ErrorMessage.ts"

/**
 * @since 0.1.0
 */
export * as Driver from "./Driver.ts"

/**
 * @since 0.1.0
 */
export * as Consumer from "./Consumer.ts"

/**
 * @since 0.1.0
 */
export * as Producer from "./Producer.ts"

/**
 * @since 0.1.0
 */
export * as MemoryDriver from "./MemoryDriver.ts"

// The broker drivers have entry points of their own (`effect-faults/queue/amqp`,
// `effect-faults/queue/nats`): they load `amqplib` / `@nats-io/*`, optional peer dependencies.
