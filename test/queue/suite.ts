/**
 * The disposition suite, run against every driver: in memory under TestClock, and against the real
 * RabbitMQ (and NATS) on the live clock.
 */
import { assert, describe } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Layer, Logger, Ref, References, Schema, Scope } from "effect"
import * as Correlation from "../../src/Correlation.ts"
import * as Fault from "../../src/Fault.ts"
import { Consumer, Disposition, Driver, ErrorMessage, Headers, Producer } from "../../src/queue/index.ts"
import * as Report from "../../src/Report.ts"

export interface Target {
  readonly name: string
  readonly layer: Layer.Layer<Driver.Driver, Fault.Fault>
  /** it.effect (TestClock) or it.live */
  readonly test: (name: string, self: () => Effect.Effect<void, unknown, Scope.Scope>) => void
  /** Lets time pass: TestClock.adjust or a real sleep. */
  readonly advance: (ms: number) => Effect.Effect<void>
  /** Whether time is virtual (exact delay assertions only then). */
  readonly virtual: boolean
}

export const Referral = Schema.Struct({
  patient: Schema.String,
  nin: Schema.String,
  note: Schema.optional(Schema.String)
})

const encoder = new TextEncoder()
let counter = 0
const names = (target: Target) => {
  const base = `ef-test-${target.name}-${process.pid}-${Date.now().toString(36)}-${++counter}`
  return { queue: `${base}.in`, errors: `${base}.in.error`, sender: `${base}.sender.error` }
}

const pacing: Partial<Disposition.Pacing> = {
  maxAttempts: 3,
  delay: Disposition.backoff({ base: Duration.millis(100), factor: 2, max: Duration.seconds(1) }),
  leaveDelay: Duration.millis(200),
  maxDeliveries: 3
}

/** Polls `check` while letting time pass, bounded. */
const eventually = <A>(
  target: Target,
  check: Effect.Effect<A | undefined, unknown, Driver.Driver>,
  step = 25,
  max = 400
) =>
  Effect.gen(function*() {
    for (let i = 0; i < max; i++) {
      const a = yield* check
      if (a !== undefined) return a
      yield* target.advance(step)
    }
    return yield* Effect.die(new Error(`condition not met after ${max} steps`))
  })

/** Messages waiting on a queue (taken but unsettled ones are not counted). */
const depthOf = (queue: string) => Effect.flatMap(Driver.Driver, (d) => d.depth(queue))

const depthIs = (queue: string, n: number) => Effect.map(depthOf(queue), (k) => (k === n ? true : undefined))

/**
 * Closes a consumer's scope, then checks its queue stays empty: unsettled deliveries go back when the
 * subscription closes, so only here does a missing ack show (a taken message is not counted before).
 */
const settledOnClose = (target: Target, scope: Scope.Closeable, queue: string) =>
  Effect.gen(function*() {
    yield* Scope.close(scope, Exit.void)
    yield* target.advance(100)
    assert.strictEqual(yield* depthOf(queue), 0)
  })

/** Takes `n` messages off a queue and acks them. */
const drain = (target: Target, queue: string, n: number) =>
  Effect.scoped(Effect.gen(function*() {
    yield* eventually(
      target,
      Effect.map(depthOf(queue), (k) => (k >= n ? true : undefined))
    )
    const driver = yield* Driver.Driver
    const sub = yield* driver.subscribe(queue, { prefetch: 100 })
    const out: Array<Driver.Delivery> = []
    for (let i = 0; i < n; i++) {
      const d = yield* sub.take
      yield* d.ack
      out.push(d)
    }
    return out
  }))

const cleanup = (...queues: Array<string>) =>
  Effect.addFinalizer(() =>
    Effect.flatMap(Driver.Driver, (d) => Effect.forEach(queues, (q) => Effect.ignore(d.remove(q)), { discard: true }))
      .pipe(
        Effect.ignore
      )
  )

interface Seen {
  readonly attempts: Array<number>
  readonly correlationIds: Array<string | undefined>
}

const start = <E>(
  target: Target,
  q: ReturnType<typeof names>,
  fail: (body: typeof Referral.Type, message: Consumer.Message) => Effect.Effect<void, E>,
  extra?: Partial<Consumer.Options<typeof Referral, E, never>>
) =>
  Effect.gen(function*() {
    const seen: Seen = { attempts: [], correlationIds: [] }
    const consumer = yield* Consumer.consume({
      queue: q.queue,
      errorQueue: q.errors,
      schema: Referral,
      pacing,
      concurrency: 4,
      handler: (body, message) =>
        Effect.gen(function*() {
          seen.attempts.push(message.attempt)
          seen.correlationIds.push(yield* Correlation.CorrelationId)
          return yield* fail(body, message)
        }),
      ...extra
    })
    return { seen, consumer }
  })

const sendReferral = (q: ReturnType<typeof names>, value: typeof Referral.Type, cid = "cid-0001") =>
  Producer.send(q.queue, Referral, value, { replyTo: q.sender }).pipe(Correlation.withId(cid))

const annotations: Array<{ message: unknown; correlationId: unknown }> = []
const capture = Logger.make((o) => {
  if (o.message === "handling" || (Array.isArray(o.message) && o.message[0] === "handling")) {
    annotations.push({
      message: "handling",
      correlationId: o.fiber.getRef(References.CurrentLogAnnotations).correlationId
    })
  }
})

export const dispositionSuite = (target: Target) =>
  describe(`queue dispositions on ${target.name}`, () => {
    const run = (
      name: string,
      body: (q: ReturnType<typeof names>) => Effect.Effect<void, unknown, Driver.Driver | Scope.Scope>
    ) =>
      target.test(name, () =>
        Effect.gen(function*() {
          const q = names(target)
          yield* cleanup(q.queue, q.errors, q.sender)
          yield* Effect.flatMap(Driver.Driver, (d) => d.declare(q.sender)) // the sender owns its error queue
          yield* body(q)
        }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent), Effect.provide(target.layer)))

    run("a handled message is acked, with the message's correlation id in fiber context and log lines", (q) =>
      Effect.gen(function*() {
        annotations.length = 0
        const scope = yield* Scope.fork(yield* Effect.scope)
        const { seen } = yield* start(target, q, () =>
          Effect.logInfo("handling")).pipe(Scope.provide(scope))
        yield* sendReferral(q, { patient: "Kari", nin: "01010112345" }, "cid-abc")
        yield* eventually(target, Effect.sync(() => (seen.attempts.length === 1 ? true : undefined)))
        yield* settledOnClose(target, scope, q.queue)
        assert.deepStrictEqual(seen.correlationIds, ["cid-abc"])
        assert.deepStrictEqual(seen.attempts, [1])
        assert.deepStrictEqual(annotations, [{ message: "handling", correlationId: "cid-abc" }])
      }).pipe(Effect.provide(Logger.layer([capture]))))

    run("the producer sets correlation id, content type and message id", (q) =>
      Effect.gen(function*() {
        yield* Effect.flatMap(Driver.Driver, (d) =>
          d.declare(q.queue))
        yield* sendReferral(q, { patient: "Ola", nin: "1" }, "cid-prod")
        const [m] = yield* drain(target, q.queue, 1)
        assert.strictEqual(m!.correlationId, "cid-prod")
        assert.strictEqual(m!.contentType, "application/json")
        assert.strictEqual(m!.headers[Headers.names.correlationId], "cid-prod")
        assert.isString(m!.messageId)
        assert.strictEqual(m!.replyTo, q.sender)
      }))

    run("a body that is not well-formed notifies the sender with transport:not-well-formed-xml", (q) =>
      Effect.gen(function*() {
        const { seen } = yield* start(target, q, () =>
          Effect.void)
        yield* Producer.sendBytes(q.queue, encoder.encode("{not json"), {
          replyTo: q.sender,
          contentType: "application/json"
        })
          .pipe(Correlation.withId("cid-bad"))
        const [m] = yield* drain(target, q.sender, 1)
        assert.strictEqual(seen.attempts.length, 0)
        assert.strictEqual(m!.headers[Headers.names.errorCondition], "transport:not-well-formed-xml")
        const read = ErrorMessage.read(m!)
        assert.strictEqual(read.body?.errorCondition, "transport:not-well-formed-xml")
        assert.strictEqual(read.body?.code, "NotWellFormed")
        assert.strictEqual(read.body?.correlationId, "cid-bad")
        assert.strictEqual(m!.correlationId, "cid-bad")
        yield* eventually(target, depthIs(q.queue, 0))
        assert.strictEqual(yield* depthOf(q.errors), 0)
      }))

    run("a body that violates the schema notifies the sender with the violations", (q) =>
      Effect.gen(function*() {
        yield* start(target, q, () =>
          Effect.void)
        yield* Producer.sendBytes(q.queue, encoder.encode(JSON.stringify({ patient: 7 })), { replyTo: q.sender })
        const [m] = yield* drain(target, q.sender, 1)
        const read = ErrorMessage.read(m!)
        assert.strictEqual(read.body?.errorCondition, "transport:not-well-formed-xml")
        assert.strictEqual(read.body?.code, "SchemaViolation")
        assert.includeMembers(
          read.body!.violations!.map((v) =>
            v.field
          ),
          ["patient", "nin"]
        )
      }))

    run(
      "a data mismatch notifies the sender with transport:invalid-field-value, ExpectedValue and ReceivedValue",
      (q) =>
        Effect.gen(function*() {
          yield* start(target, q, (r) =>
            Effect.fail(
              new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: r.nin })
            ))
          yield* sendReferral(q, { patient: "Kari", nin: "123" })
          const [m] = yield* drain(target, q.sender, 1)
          const read = ErrorMessage.read(m!, { mode: "trust" })
          assert.strictEqual(read.body?.errorCondition, "transport:invalid-field-value")
          assert.strictEqual(read.body?.ExpectedValue, "11 digits")
          assert.strictEqual(read.body?.ReceivedValue, "123")
          // Trusted, the headers decode back to the typed fault.
          assert.strictEqual(read.failure.fault._tag, "InvalidFieldValue")
          assert.strictEqual((read.failure.fault as any).receivedValue, "123")
          assert.strictEqual(read.failure.fault.origin, "remote")
        })
    )

    run(
      "TellSender notifies transport:internal-error; an expired certificate notifies transport:expired-certificate",
      (q) =>
        Effect.gen(function*() {
          yield* start(target, q, (r): Effect.Effect<void, Fault.Fault> =>
            r.patient === "tell"
              ? Effect.fail(new Disposition.TellSender({ message: "patient not listed with this GP" }))
              : Effect.fail(new Fault.CertificateExpired({ notAfter: "2026-01-01", presentedBy: "client" })))
          yield* sendReferral(q, { patient: "tell", nin: "1" })
          yield* sendReferral(q, { patient: "cert", nin: "1" })
          const ms = yield* drain(target, q.sender, 2)
          const conditions = ms.map((m) => m.headers[Headers.names.errorCondition]).sort()
          assert.deepStrictEqual(conditions, ["transport:expired-certificate", "transport:internal-error"])
          const tell = ms.find((m) => m.headers[Headers.names.errorCondition] === "transport:internal-error")!
          assert.strictEqual(ErrorMessage.read(tell).body?.errorDescription, "patient not listed with this GP")
        })
    )

    run("a fault to notify with no reply address is dead-lettered instead (nothing is lost)", (q) =>
      Effect.gen(function*() {
        yield* start(
          target,
          q,
          (r) =>
            Effect.fail(new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: r.nin }))
        )
        yield* Producer.send(q.queue, Referral, { patient: "Kari", nin: "1" })
        const [m] = yield* drain(target, q.errors, 1)
        assert.strictEqual(m!.headers[Headers.names.faultCode], "InvalidFieldValue")
      }))

    run("a notification to a reply address that does not exist is dead-lettered instead", (q) =>
      Effect.gen(function*() {
        yield* start(target, q, (r) =>
          Effect.fail(new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: r.nin })))
        yield* Producer.send(q.queue, Referral, { patient: "Kari", nin: "1" }, { replyTo: `${q.sender}.missing` })
        const [m] = yield* drain(target, q.errors, 1)
        assert.strictEqual(m!.headers[Headers.names.errorCondition], "transport:invalid-field-value")
        assert.strictEqual(m!.headers[Headers.names.faultCode], "InvalidFieldValue")
      }))

    run("publishing to a queue nobody declared fails with NotFound", (q) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Producer.send(`${q.queue}.nobody`, Referral, { patient: "Kari", nin: "1" }))
        assert.strictEqual(error._tag, "NotFound")
      }))

    run("a permanent fault is dead-lettered with failure headers that decode back to a typed fault", (q) =>
      Effect.gen(function*() {
        yield* start(target, q, () =>
          Effect.fail(new Fault.NotFound({ resource: "patient", id: "p-9" })))
        yield* sendReferral(q, { patient: "Kari", nin: "1" }, "cid-dl")
        const [m] = yield* drain(target, q.errors, 1)
        const h = m!.headers
        assert.strictEqual(h[Headers.names.faultCode], "NotFound")
        assert.strictEqual(Number(h[Headers.names.attempts]), 1)
        assert.strictEqual(h[Headers.names.originalQueue], q.queue)
        assert.strictEqual(h[Headers.names.correlationId], "cid-dl")
        assert.isString(h[Headers.names.failedAt])
        assert.deepStrictEqual(JSON.parse(new TextDecoder().decode(m!.body)), { patient: "Kari", nin: "1" })
        const distrusted = Headers.decode(h)!
        assert.strictEqual(distrusted.fault._tag, "RemoteFault")
        assert.strictEqual((distrusted.fault as Fault.RemoteFault).remoteCode, "NotFound")
        assert.strictEqual((distrusted.fault as Fault.RemoteFault).protocol, "amqp")
        const trusted = Headers.decode(h, { mode: "trust" })!
        assert.strictEqual(trusted.fault._tag, "NotFound")
        assert.strictEqual((trusted.fault as Fault.NotFound).id, "p-9")
        assert.strictEqual(trusted.originalQueue, q.queue)
      }))

    run("a transient fault is retried later after its retryAfter, the attempt carried in a header", (q) =>
      Effect.gen(function*() {
        const { seen } = yield* start(target, q, (_, m) =>
          m.attempt === 1 ? Effect.fail(new Fault.Unavailable({ retryAfterMs: 300 })) : Effect.void)
        yield* sendReferral(q, { patient: "Kari", nin: "1" }, "cid-retry")
        yield* eventually(target, Effect.sync(() => (seen.attempts.length >= 1 ? true : undefined)))
        if (target.virtual) {
          yield* target.advance(250)
          assert.deepStrictEqual(seen.attempts, [1])
        }
        yield* eventually(target, Effect.sync(() => (seen.attempts.length >= 2 ? true : undefined)))
        assert.deepStrictEqual(seen.attempts, [1, 2])
        assert.deepStrictEqual(seen.correlationIds, ["cid-retry", "cid-retry"])
        yield* eventually(target, depthIs(q.queue, 0))
        assert.strictEqual(yield* depthOf(q.errors), 0)
      }))

    run("retries back off and, after the last attempt, the message is dead-lettered", (q) =>
      Effect.gen(function*() {
        const { seen } = yield* start(target, q, () =>
          Effect.fail(new Fault.Unavailable({ reason: "db down" })))
        yield* sendReferral(q, { patient: "Kari", nin: "1" })
        if (target.virtual) {
          yield* eventually(target, Effect.sync(() => (seen.attempts.length >= 1 ? true : undefined)), 1)
          yield* target.advance(90) // backoff: 100 ms, then 200 ms
          assert.deepStrictEqual(seen.attempts, [1])
          yield* target.advance(20)
          assert.deepStrictEqual(seen.attempts, [1, 2])
          yield* target.advance(150)
          assert.deepStrictEqual(seen.attempts, [1, 2])
        }
        const [m] = yield* drain(target, q.errors, 1)
        assert.deepStrictEqual(seen.attempts, [1, 2, 3])
        assert.strictEqual(Number(m!.headers[Headers.names.attempts]), 3)
        assert.strictEqual(m!.headers[Headers.names.faultCode], "Unavailable")
        assert.strictEqual(m!.headers[Headers.names.errorDescription], "service unavailable (db down)") // public fault
      }))

    run("an unexpected error leaves the message on the queue, redelivered later, never exposing internals", (q) =>
      Effect.gen(function*() {
        const { seen } = yield* start(target, q, () =>
          Effect.die(new Error("secret stack detail")))
        yield* sendReferral(q, { patient: "Kari", nin: "1" })
        const [m] = yield* drain(target, q.errors, 1)
        assert.deepStrictEqual(seen.attempts, [1, 2, 3])
        assert.strictEqual(yield* depthOf(q.sender), 0) // nobody notified
        assert.strictEqual(m!.headers[Headers.names.faultCode], "InternalError")
        assert.notInclude(JSON.stringify(m!.headers), "secret")
      }))

    run("a per-fault override wins over the default mapping", (q) =>
      Effect.gen(function*() {
        const scope = yield* Scope.fork(yield* Effect.scope)
        const { seen } = yield* start(target, q, () =>
          Effect.fail(new Fault.NotFound({})), {
          dispositions: { NotFound: Disposition.ack("already cancelled") }
        }).pipe(Scope.provide(scope))
        yield* sendReferral(q, { patient: "Kari", nin: "1" })
        yield* eventually(target, Effect.sync(() => (seen.attempts.length === 1 ? true : undefined)))
        yield* settledOnClose(target, scope, q.queue)
        assert.strictEqual(yield* depthOf(q.errors), 0)
        assert.strictEqual(yield* depthOf(q.sender), 0)
      }))

    run("handled and unhandled failures reach the Report hooks with the disposition", (q) =>
      Effect.gen(function*() {
        const log: Array<string> = []
        const hooks: Report.Hooks = {
          received: () =>
            Effect.void,
          handled: (f, c) =>
            Effect.sync(() =>
              log.push(`handled ${f.code} ${(c.detail as any).disposition}`)
            ),
          unhandled: (f, c) =>
            Effect.sync(() =>
              log.push(`unhandled ${f.code} ${(c.detail as any).disposition}`)
            )
        }
        yield* start(target, q, (r) =>
          r.patient === "a" ? Effect.fail(new Fault.NotFound({})) : Effect.die("boom"), {
          pacing: { ...pacing, maxDeliveries: 1 }
        }).pipe(Effect.provideService(Report.CurrentHooks, hooks))
        yield* sendReferral(q, { patient: "a", nin: "1" })
        yield* drain(target, q.errors, 1)
        yield* sendReferral(q, { patient: "b", nin: "1" })
        yield* drain(target, q.errors, 1)
        assert.deepStrictEqual(log, ["handled NotFound DeadLetter", "unhandled InternalError DeadLetter"])
      }))

    run("the error queue's callback receives what arrived, as a typed fault, and Report.received is called", (q) =>
      Effect.gen(function*() {
        const received: Array<string> = []
        const callback: Array<ErrorMessage.Received> = []
        yield* start(target, q, (r) =>
          Effect.fail(new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: r.nin })))
        yield* Consumer.consumeErrors({
          queue: q.sender,
          mode: "trust",
          onError: (r) =>
            Effect.sync(() =>
              callback.push(r)
            )
        }).pipe(Effect.provideService(Report.CurrentHooks, {
          ...Report.silent,
          received: (f) =>
            Effect.sync(() =>
              received.push(`${f._tag} ${f.correlationId}`)
            )
        }))
        yield* sendReferral(q, { patient: "Kari", nin: "42" }, "cid-err")
        yield* eventually(target, Effect.sync(() => (callback.length === 1 ? true : undefined)))
        assert.deepStrictEqual(received, ["InvalidFieldValue cid-err"])
        assert.strictEqual(callback[0]!.failure.errorCondition, "transport:invalid-field-value")
        assert.strictEqual(callback[0]!.body?.ReceivedValue, "42")
        yield* eventually(target, depthIs(q.sender, 0))
      }))

    run("graceful shutdown: the in-flight message finishes and is acked, the rest go back unacked", (q) =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const started = yield* Ref.make(0)
        const finished = yield* Ref.make(0)
        const scope = yield* Scope.make()
        yield* Scope.provide(scope)(Consumer.consume<typeof Referral, never, never>({
          queue: q.queue,
          errorQueue: q.errors,
          schema: Referral,
          concurrency: 1,
          handler: () =>
            Effect.gen(function*() {
              yield* Ref.update(started, (n) =>
                n + 1)
              yield* Deferred.await(gate)
              yield* Ref.update(finished, (n) =>
                n + 1)
            })
        }))
        for (let i = 0; i < 3; i++) {
          yield* sendReferral(q, { patient: `p${i}`, nin: "1" })
        }
        yield* eventually(target, Effect.map(Ref.get(started), (n) => (n === 1 ? true : undefined)))
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* target.advance(50)
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.await(closing)
        assert.strictEqual(yield* Ref.get(started), 1)
        assert.strictEqual(yield* Ref.get(finished), 1)
        yield* eventually(target, depthIs(q.queue, 2))
      }))
  })
