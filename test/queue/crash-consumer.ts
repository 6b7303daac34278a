/**
 * The consumer process of the RabbitMQ crash test (killed with SIGKILL mid-stream, then restarted).
 * argv: url queue errorQueue logFile concurrency. Each success appends `ok <id> <sha1> <redelivered>`
 * to the log file before the handler returns (so before the ack).
 */
import { Duration, Effect, Schema } from "effect"
import { createHash } from "node:crypto"
import { appendFileSync } from "node:fs"
import * as Fault from "../../src/Fault.ts"
import { AmqpDriver } from "../../src/queue/amqp/index.ts"
import { Consumer, Disposition } from "../../src/queue/index.ts"
import * as Report from "../../src/Report.ts"

const [url, queue, errorQueue, logFile, concurrency] = process.argv.slice(2) as [string, string, string, string, string]
const Body = Schema.Struct({ id: Schema.Number, pad: Schema.String })

const program = Consumer.run({
  queue,
  errorQueue,
  schema: Body,
  concurrency: Number(concurrency),
  pacing: {
    maxAttempts: 5,
    maxDeliveries: 5,
    leaveDelay: Duration.millis(100),
    delay: Disposition.backoff({ base: Duration.millis(50), factor: 2, max: Duration.millis(400) })
  },
  handler: (body, message) =>
    Effect.gen(function*() {
      const kind = body.id % 100
      // Every handling is logged, so a duplicate can be traced to the redelivery that caused it.
      appendFileSync(logFile, `try ${body.id} ${message.attempt} ${message.redelivered ? 1 : 0}\n`)
      if (kind >= 70 && kind < 80 && message.attempt === 1) {
        return yield* Effect.fail(new Fault.Unavailable({ retryAfterMs: 50 }))
      }
      if (kind >= 80 && kind < 87) {
        return yield* Effect.fail(new Fault.NotFound({ resource: "patient", id: String(body.id) }))
      }
      if (kind >= 87 && kind < 94) {
        return yield* Effect.fail(
          new Fault.InvalidFieldValue({ field: "id", expectedValue: "known", receivedValue: String(body.id) })
        )
      }
      if (kind >= 94 && message.attempt === 1) return yield* Effect.die(new Error("unexpected"))
      const hash = createHash("sha1").update(message.body).digest("hex")
      appendFileSync(logFile, `ok ${body.id} ${hash} ${message.redelivered ? 1 : 0}\n`)
    })
}).pipe(
  Effect.provide(AmqpDriver.layer({ url })),
  Effect.provideService(Report.CurrentHooks, Report.silent)
)

Effect.runPromise(program).then(() => process.exit(0), (e) => {
  console.error(e)
  process.exit(1)
})
