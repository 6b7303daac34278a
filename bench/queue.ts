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
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Fault from "../src/Fault.ts"
import { AmqpDriver } from "../src/queue/amqp/index.ts"
import { Consumer } from "../src/queue/index.ts"
import * as Report from "../src/Report.ts"
import { section } from "./harness.ts"

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672"
const count = 20_000
const prefetch = 100

// The broker's CPU time (user + system, ms) from /proc, when it runs on this machine: wall-clock
// throughput swings by 2x between rounds here, the CPU both sides spend per message much less.
const brokerPid = ((): number | undefined => {
  try {
    const pid = Number(execFileSync("pgrep", ["-o", "beam.smp"], { encoding: "utf8" }).trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
})()
const brokerCpuMs = (): number | undefined => {
  if (brokerPid === undefined) return undefined
  try {
    // fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th
    const stat = readFileSync(`/proc/${brokerPid}/stat`, "utf8")
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100
  } catch {
    return undefined
  }
}

interface Sample {
  /** messages per second, wall clock */
  readonly rate: number
  /** CPU µs per message: this process (the consumer) and the broker */
  readonly consumerUs: number
  readonly brokerUs: number | undefined
}

/** Runs one consumer, measuring wall time, this process's CPU and the broker's CPU. */
const sample = async (consume: () => Promise<unknown>): Promise<Sample> => {
  // let the broker finish writing what the fill published before the clock starts
  await new Promise((r) => setTimeout(r, 1000))
  const b0 = brokerCpuMs()
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await consume()
  const elapsed = performance.now() - t0
  const c = process.cpuUsage(c0)
  const b1 = brokerCpuMs()
  return {
    rate: count / (elapsed / 1000),
    consumerUs: (c.user + c.system) / count,
    brokerUs: b0 === undefined || b1 === undefined ? undefined : ((b1 - b0) * 1000) / count
  }
}

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

const bare = async (conn: amqp.ChannelModel, queue: string): Promise<void> => {
  const ch = await conn.createChannel()
  await ch.prefetch(prefetch)
  let n = 0
  await new Promise<void>((resolve) => {
    void ch.consume(queue, (msg) => {
      if (msg === null) return
      JSON.parse(msg.content.toString()) // a real consumer reads its message too
      ch.ack(msg)
      if (++n === count) resolve()
    })
  })
  await ch.close()
}

// Bare amqplib with our guarantee: every 10th message republished (persistent, mandatory, a few
// failure headers) on a confirm channel and acked only in its confirm callback.
const bareDeadLetter = async (conn: amqp.ChannelModel, queue: string, errorQueue: string): Promise<void> => {
  const ch = await conn.createChannel()
  const confirm = await conn.createConfirmChannel()
  await confirm.assertQueue(errorQueue, { durable: true })
  await ch.prefetch(prefetch)
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
  await ch.close()
  await confirm.close()
}

const Body = Schema.Struct({ id: Schema.Number, note: Schema.String })

const ours = (queue: string, errorQueue: string, failEvery: number): Promise<void> => {
  let n = 0
  let done: () => void
  const finished = new Promise<void>((r) => (done = r))
  return Effect.runPromise(
    Effect.scoped(Effect.gen(function*() {
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
  const prefix = `ef-bench-${process.pid}-${Date.now().toString(36)}`
  const queues = [`${prefix}.bare`, `${prefix}.ours`, `${prefix}.ours.error`, `${prefix}.bare.error`]
  try {
    const kinds = ["bare", "bareDl", "ok", "ours"] as const
    const rounds: Array<Record<(typeof kinds)[number], Sample>> = []
    const admin = await conn.createChannel()
    for (let r = 0; r < 7; r++) {
      // every round starts from empty error queues: a durable queue that grows slows the broker down
      for (const q of [queues[2]!, queues[3]!]) {
        await admin.assertQueue(q, { durable: true })
        await admin.purgeQueue(q)
      }
      await fill(conn, queues[0]!)
      const bareRun = await sample(() => bare(conn, queues[0]!))
      await fill(conn, queues[0]!)
      const bareDl = await sample(() => bareDeadLetter(conn, queues[0]!, queues[3]!))
      await fill(conn, queues[1]!)
      const ok = await sample(() => ours(queues[1]!, queues[2]!, 0))
      await fill(conn, queues[1]!)
      const failing = await sample(() => ours(queues[1]!, queues[2]!, 10))
      rounds.push({ bare: bareRun, bareDl, ok, ours: failing })
    }
    await admin.close()
    // Medians of the rounds: the machine is shared, single rounds swing by 2x.
    const median = (xs: ReadonlyArray<number>) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const rate = (k: (typeof kinds)[number]) => median(rounds.map((x) => x[k].rate))
    const cpu = (k: (typeof kinds)[number]) => {
      const consumer = median(rounds.map((x) => x[k].consumerUs))
      const brokers = rounds.map((x) => x[k].brokerUs)
      const broker = brokers.every((b) => b !== undefined) ? median(brokers as Array<number>) : undefined
      return { consumer, broker, total: broker === undefined ? undefined : consumer + broker }
    }
    const labels = {
      bare: "bare amqplib consumer, acks everything",
      bareDl: "bare amqplib, 10 % dead-lettered, confirm before ack",
      ok: "effect-faults Consumer, all succeed",
      ours: "effect-faults Consumer, 10 % failing → dead letter"
    }
    const base = cpu("bare")
    for (const k of kinds) {
      const c = cpu(k)
      const ratio = rate(k) / rate("bare")
      const goal = k === "ours" ? `  goal ≥ 0.9x: ${ratio >= 0.9 ? "met" : "NOT met"}` : ""
      console.log(
        `  ${labels[k].padEnd(52)}${rate(k).toFixed(0).padStart(7)} msgs/s  = ${ratio.toFixed(2)}x${goal}\n` +
          `  ${"".padEnd(52)}CPU/msg: consumer ${c.consumer.toFixed(1)} µs (${
            (c.consumer / base.consumer).toFixed(2)
          }x)${
            c.broker === undefined
              ? ""
              : `, broker ${c.broker.toFixed(1)} µs, both ${c.total!.toFixed(1)} µs (${
                (c.total! / base.total!).toFixed(2)
              }x)`
          }`
      )
    }
    console.log(
      `  (median of ${rounds.length} rounds; msgs/s per round bare/bare+dead letters/all-ok/10 % failing: ${
        rounds.map((x) => kinds.map((k) => x[k].rate.toFixed(0)).join("/")).join(", ")
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
