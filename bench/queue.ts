/**
 * Queue consumer throughput on the real RabbitMQ: the effect-faults consumer (AmqpDriver, schema
 * decode, correlation, 10 % of handlers failing → dead-lettered with failure headers and publisher
 * confirms) against a bare amqplib consumer that acks everything, same broker, same run, same prefetch.
 * 20 000 messages each, published before the clock starts.
 *
 * Fairness: every run consumes persistent messages from a durable queue. Our dead letters are
 * persistent in a durable error queue (the production default: a dead letter must survive a broker
 * restart). A second, informative baseline does what our failing path does with bare amqplib: the
 * same 10 % republished persistent to a durable error queue, the original acked in the confirm
 * callback. It shows the price of the no-loss guarantee itself; the goal stays against the first.
 */
import amqp from "amqplib"
import { Effect, Schema } from "effect"
import * as Fault from "../src/Fault.ts"
import { AmqpDriver } from "../src/queue/amqp/index.ts"
import { Consumer } from "../src/queue/index.ts"
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

// Bare amqplib with our guarantee: every 10th message republished (persistent, mandatory, a few
// failure headers) on a confirm channel and acked only in its confirm callback.
const bareDeadLetter = async (conn: amqp.ChannelModel, queue: string, errorQueue: string): Promise<number> => {
  const ch = await conn.createChannel()
  const confirm = await conn.createConfirmChannel()
  await confirm.assertQueue(errorQueue, { durable: true })
  await ch.prefetch(prefetch)
  const t0 = performance.now()
  let n = 0
  await new Promise<void>((resolve) => {
    void ch.consume(queue, (msg) => {
      if (msg === null) return
      const body = JSON.parse(msg.content.toString())
      if (body.id % 10 !== 0) {
        ch.ack(msg)
        if (++n === count) resolve()
        return
      }
      const p = msg.properties
      confirm.sendToQueue(errorQueue, msg.content, {
        persistent: true,
        mandatory: true,
        headers: {
          ...p.headers,
          "x-fault-code": "NotFound",
          "x-error-description": "item not found",
          "x-attempts": 1,
          "x-original-queue": queue,
          "x-failed-at": new Date().toISOString()
        },
        messageId: p.messageId,
        correlationId: p.correlationId,
        contentType: p.contentType
      }, (err) => {
        // nacked: left unacked (the broker redelivers it), counted so the run ends
        if (!err) ch.ack(msg)
        if (++n === count) resolve()
      })
    })
  })
  const elapsed = performance.now() - t0
  await ch.close()
  await confirm.close()
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
  const queues = [`${base}.bare`, `${base}.ours`, `${base}.ours.error`, `${base}.bare.error`]
  try {
    type Round = { bare: number; bareDl: number; ok: number; ours: number }
    const rounds: Array<Round> = []
    const rate = (ms: number) => count / (ms / 1000)
    for (let r = 0; r < 5; r++) {
      await fill(conn, queues[0]!)
      const b = await bare(conn, queues[0]!)
      await fill(conn, queues[0]!)
      const d = await bareDeadLetter(conn, queues[0]!, queues[3]!)
      await fill(conn, queues[1]!)
      const k = await ours(queues[1]!, queues[2]!, 0)
      await fill(conn, queues[1]!)
      const o = await ours(queues[1]!, queues[2]!, 10)
      rounds.push({ bare: rate(b), bareDl: rate(d), ok: rate(k), ours: rate(o) })
    }
    // Median of the rounds: the machine is shared, single rounds swing by 2x.
    const median = (k: keyof Round) => rounds.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!
    const ratio = median("ours") / median("bare")
    const line = (label: string, k: keyof Round) =>
      `  ${label.padEnd(52)}${median(k).toFixed(0).padStart(7)} msgs/s  = ${(median(k) / median("bare")).toFixed(2)}x`
    console.log(
      `  ${"bare amqplib consumer, acks everything".padEnd(52)}${median("bare").toFixed(0).padStart(7)} msgs/s`
    )
    console.log(line("bare amqplib, 10 % dead-lettered, confirm before ack", "bareDl"))
    console.log(line("effect-faults Consumer, all succeed", "ok"))
    console.log(
      `${line("effect-faults Consumer, 10 % failing → dead letter", "ours")}  goal ≥ 0.9x: ${
        ratio >= 0.9 ? "met" : "NOT met"
      }`
    )
    console.log(
      `  (median of ${rounds.length} rounds; per round bare/bare+dead letters/all-ok/10 % failing: ${
        rounds.map((x) => `${x.bare.toFixed(0)}/${x.bareDl.toFixed(0)}/${x.ok.toFixed(0)}/${x.ours.toFixed(0)}`)
          .join(", ")
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
