/**
 * Queue consumer throughput on the real RabbitMQ: the effect-faults consumer (AmqpDriver, schema
 * decode, correlation, 10 % of handlers failing → dead-lettered with failure headers and publisher
 * confirms) against a bare amqplib consumer that acks everything, same broker, same run, same prefetch.
 * 20 000 messages each, published before the clock starts.
 */
import amqp from "amqplib"
import { Effect, Schema } from "effect"
import * as Fault from "../src/Fault.ts"
import { AmqpDriver, Consumer } from "../src/queue/index.ts"
import * as Report from "../src/Report.ts"
import { section } from "./harness.ts"

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672"
const count = 20_000
const prefetch = 100

const fill = async (conn: amqp.ChannelModel, queue: string) => {
  const ch = await conn.createConfirmChannel()
  await ch.assertQueue(queue, { durable: true })
  for (let i = 0; i < count; i++) {
    ch.sendToQueue(queue, Buffer.from(JSON.stringify({ id: i, note: "x".repeat(64) })), {
      persistent: true,
      correlationId: `c-${i}`,
      contentType: "application/json",
      messageId: `m-${i}`
    })
    if (i % 1000 === 999) await ch.waitForConfirms()
  }
  await ch.waitForConfirms()
  await ch.close()
}

const bare = async (conn: amqp.ChannelModel, queue: string): Promise<number> => {
  const ch = await conn.createChannel()
  await ch.prefetch(prefetch)
  const t0 = performance.now()
  let n = 0
  await new Promise<void>((resolve) => {
    void ch.consume(queue, (msg) => {
      if (msg === null) return
      JSON.parse(msg.content.toString()) // a real consumer reads its message too
      ch.ack(msg)
      if (++n === count) resolve()
    })
  })
  const elapsed = performance.now() - t0
  await ch.close()
  return elapsed
}

const Body = Schema.Struct({ id: Schema.Number, note: Schema.String })

const ours = (queue: string, errorQueue: string, failEvery: number): Promise<number> => {
  let n = 0
  let done: () => void
  const finished = new Promise<void>((r) => (done = r))
  return Effect.runPromise(
    Effect.scoped(Effect.gen(function*() {
      const t0 = performance.now()
      yield* Consumer.consume({
        queue,
        errorQueue,
        schema: Body,
        concurrency: prefetch,
        handler: (body) =>
          Effect.suspend(() => {
            if (++n === count) done()
            return failEvery > 0 && body.id % failEvery === 0
              ? Effect.fail(new Fault.NotFound({ resource: "item", id: String(body.id) }))
              : Effect.void
          })
      })
      yield* Effect.promise(() => finished)
      // the last settlements (dead letters wait for their confirm) finish before the scope closes
      return performance.now() - t0
    })).pipe(Effect.provide(AmqpDriver.layer({ url })), Effect.provideService(Report.CurrentHooks, Report.silent))
  )
}

export async function run() {
  section("queue: consumer throughput on RabbitMQ (20 000 messages each, prefetch 100)")
  let conn: amqp.ChannelModel
  try {
    conn = await amqp.connect(url)
  } catch {
    console.log(`  skipped: RabbitMQ not reachable at ${url}`)
    return
  }
  const base = `ef-bench-${process.pid}-${Date.now().toString(36)}`
  const queues = [`${base}.bare`, `${base}.ours`, `${base}.ours.error`]
  try {
    const rounds: Array<{ bare: number; ok: number; ours: number }> = []
    for (let r = 0; r < 3; r++) {
      await fill(conn, queues[0]!)
      const b = await bare(conn, queues[0]!)
      await fill(conn, queues[1]!)
      const k = await ours(queues[1]!, queues[2]!, 0)
      await fill(conn, queues[1]!)
      const o = await ours(queues[1]!, queues[2]!, 10)
      rounds.push({ bare: count / (b / 1000), ok: count / (k / 1000), ours: count / (o / 1000) })
    }
    // Median of the rounds: the machine is shared, single rounds swing by 2x.
    const median = (k: "bare" | "ok" | "ours") =>
      rounds.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!
    const ratio = median("ours") / median("bare")
    console.log(`  bare amqplib consumer, acks everything             ${median("bare").toFixed(0).padStart(7)} msgs/s`)
    console.log(
      `  effect-faults Consumer, all succeed                 ${median("ok").toFixed(0).padStart(7)} msgs/s  = ${
        (median("ok") / median("bare")).toFixed(2)
      }x`
    )
    console.log(
      `  effect-faults Consumer, 10 % failing → dead letter  ${median("ours").toFixed(0).padStart(7)} msgs/s  = ${
        ratio.toFixed(2)
      }x  goal ≥ 0.9x: ${ratio >= 0.9 ? "met" : "NOT met"}`
    )
    console.log(
      `  (median of ${rounds.length} rounds, bare/all-ok/10 % failing: ${
        rounds.map((x) => `${x.bare.toFixed(0)}/${x.ok.toFixed(0)}/${x.ours.toFixed(0)}`).join(", ")
      })`
    )
  } finally {
    const ch = await conn.createChannel()
    for (const q of queues) await ch.deleteQueue(q).catch(() => undefined)
    await ch.close().catch(() => undefined)
    await conn.close()
  }
}

if (import.meta.main) await run()
