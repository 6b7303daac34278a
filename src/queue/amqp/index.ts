/**
 * effect-faults/queue/amqp: the AmqpDriver on its own entry point, since it loads an optional peer
 * dependency that users of the other drivers do not need.
 *
 * @since 0.1.0
 */

/**
 * RabbitMQ through amqplib: manual acks, an error queue per consumer, delayed retry through TTL delay queues, publisher confirms.
 *
 * @since 0.1.0
 */
export * as AmqpDriver from "../AmqpDriver.ts"
