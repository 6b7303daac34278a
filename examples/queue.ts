/**
 * The Helsenorge scenario on a queue: a hospital sends referrals to a GP's queue; the GP's consumer
 * turns each failure into a disposition. A malformed message and a data mismatch are reported back to
 * the hospital's error queue (not-well-formed / invalid-field-value with expected and received); an
 * unexpected error leaves the message on the queue and it is retried; the hospital's error-queue
 * callback logs what arrived. Runs on the in-memory driver; `--rabbitmq` runs it on RabbitMQ too, `--nats` on NATS JetStream.
 */
import { Duration, Effect, Layer, Logger, Schema } from "effect"
import * as Correlation from "../src/Correlation.ts"
import * as Fault from "../src/Fault.ts"
import { AmqpDriver } from "../src/queue/amqp/index.ts"
import { Consumer, Driver, MemoryDriver, Producer } from "../src/queue/index.ts"
import { NatsDriver } from "../src/queue/nats/index.ts"
import * as Report from "../src/Report.ts"

const Referral = Schema.Struct({ patient: Schema.String, nin: Schema.String })

const scenario = (label: string, driverLayer: Layer.Layer<Driver.Driver, Fault.Fault>) =>
  Effect.scoped(Effect.gen(function*() {
    const suffix = `${process.pid}-${Date.now().toString(36)}`
    const gp = `gp.in.${suffix}`, gpErrors = `gp.in.error.${suffix}`, hospitalErrors = `hospital.error.${suffix}`
    const driver = yield* Driver.Driver
    yield* Effect.addFinalizer(() => Effect.ignore(Effect.forEach([gp, gpErrors, hospitalErrors], driver.remove)))
    yield* driver.declare(hospitalErrors)
    console.log(`\n=== 5. Queue (${label}): a hospital sends referrals to a GP ===`)
    let arrived = 0
    let handled = 0
    const tried = new Set<string>()

    // The GP: decode, check, handle. The fault decides the disposition.
    yield* Consumer.consume({
      queue: gp,
      errorQueue: gpErrors,
      schema: Referral,
      pacing: { leaveDelay: Duration.millis(200) },
      handler: (r, m) =>
        Effect.gen(function*() {
          if (!/^\d{11}$/.test(r.nin)) {
            return yield* new Fault.InvalidFieldValue({
              field: "nin",
              expectedValue: "11 digits",
              receivedValue: r.nin
            })
          }
          if (r.patient === "Per" && !tried.has(m.correlationId)) {
            tried.add(m.correlationId)
            console.log(
              `  GP: unexpected error on ${r.patient} (attempt ${m.attempt}) → left on the queue, retried later`
            )
            return yield* Effect.die(new Error("database connection reset"))
          }
          handled++
          console.log(
            `  GP: referral for ${r.patient} handled on attempt ${m.attempt} [${yield* Correlation.CorrelationId}]`
          )
        })
    })

    // The hospital's error queue: what the GP told us (RegisterErrorMessageReceivedCallback).
    yield* Consumer.consumeErrors({
      queue: hospitalErrors,
      mode: "trust",
      onError: (received) =>
        Effect.sync(() => {
          arrived++
          const b = received.body
          console.log(
            `  hospital error queue: ${b?.errorCondition} — ${b?.errorDescription}` +
              (b?.ExpectedValue === undefined ? "" : ` (expected ${b.ExpectedValue}, received ${b.ReceivedValue})`) +
              ` [${b?.correlationId}] → ${received.failure.fault._tag}`
          )
        })
    })

    const send = (cid: string, value: typeof Referral.Type) =>
      Producer.send(gp, Referral, value, { replyTo: hospitalErrors }).pipe(Correlation.withId(cid))
    console.log("  hospital: sends a malformed message, a wrong national id, one that hits a bug, and a good one")
    yield* Producer.sendBytes(gp, new TextEncoder().encode("<Referral><patient>Kari"), { replyTo: hospitalErrors })
      .pipe(Correlation.withId("ref-1"))
    yield* send("ref-2", { patient: "Ola", nin: "123" })
    yield* send("ref-3", { patient: "Per", nin: "01017012345" })
    yield* send("ref-4", { patient: "Eva", nin: "02028054321" })
    for (let i = 0; i < 200 && (arrived < 2 || handled < 2); i++) yield* Effect.sleep("25 millis")
    console.log(`  done: ${handled} handled, ${arrived} error messages back at the hospital, nothing lost`)
  })).pipe(
    Effect.provide(driverLayer),
    Effect.provideService(Report.CurrentHooks, Report.silent),
    Effect.provide(Logger.layer([]))
  )

export async function run() {
  await Effect.runPromise(scenario("in-memory driver", MemoryDriver.layer))
  if (process.argv.includes("--rabbitmq")) {
    await Effect.runPromise(
      scenario("RabbitMQ", AmqpDriver.layer({ url: process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672" }))
    )
  }
  if (process.argv.includes("--nats")) {
    await Effect.runPromise(
      scenario("NATS JetStream", NatsDriver.layer({ servers: process.env.NATS_URL ?? "127.0.0.1:4222" }))
    )
  }
}

if (import.meta.main) await run()
