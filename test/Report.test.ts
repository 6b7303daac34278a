import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, ErrorReporter, Logger, References } from "effect"
import { Correlation, Fault, Report } from "effect-faults"

const captureLogs = () => {
  const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
  const logger = Logger.make((o) => {
    lines.push({
      level: o.logLevel,
      message: (o.message as ReadonlyArray<unknown>).map(String).join(" "),
      annotations: { ...o.fiber.getRef(References.CurrentLogAnnotations) }
    })
  })
  return { lines, layer: Logger.layer([logger]) }
}

describe("Report", () => {
  it.effect("each hook logs the fault code, an event id stable per code, and the correlation id", () =>
    Effect.gen(function*() {
      const { layer, lines } = captureLogs()
      yield* Effect.gen(function*() {
        yield* Report.received(new Fault.RemoteFault({ remoteCode: "E42", remoteMessage: "upstream down" }), {
          source: "queue"
        })
        yield* Report.handled(new Fault.NotFound({ id: "1" }), { source: "http" })
        yield* Report.handled(new Fault.Unavailable({}), { source: "http" })
        yield* Report.unhandled(new Fault.InternalError({ message: "bug", cause: new Error("boom") }), {
          source: "rpc"
        })
        yield* Report.unhandled(new Fault.InternalError({ message: "bug again" }), { source: "rpc" })
      }).pipe(
        Correlation.withId("c-7"),
        Effect.provide(layer),
        Effect.provideService(References.MinimumLogLevel, "Debug")
      )
      assert.deepStrictEqual(lines.map((l) => l.level), ["Warn", "Debug", "Info", "Error", "Error"])
      for (const line of lines) {
        assert.strictEqual(line.annotations.correlationId, "c-7")
        assert.match(String(line.annotations.eventId), /^[0-9a-f]{8}$/)
      }
      assert.strictEqual(lines[0]!.annotations.faultCode, "RemoteFault")
      assert.strictEqual(lines[0]!.annotations.source, "queue")
      assert.include(lines[3]!.message, "boom")
      assert.strictEqual(lines[3]!.annotations.eventId, lines[4]!.annotations.eventId)
      assert.notStrictEqual(lines[0]!.annotations.eventId, lines[3]!.annotations.eventId)
    }))

  it.effect("a line below the minimum level is not built: a handled client fault costs no message", () =>
    Effect.gen(function*() {
      let messages = 0
      class Counted extends Fault.define<Counted>()("Counted", {}, {
        category: "application",
        expected: "FixRequest",
        message: () => `built ${++messages}`
      }) {}
      const { layer, lines } = captureLogs()
      // the default minimum (Info) drops Debug: nothing is built
      yield* Report.handled(new Counted({}), { source: "http" }).pipe(Effect.provide(layer))
      assert.deepStrictEqual([messages, lines.length], [0, 0])
      yield* Report.handled(new Counted({}), { source: "http" }).pipe(
        Effect.provide(layer),
        Effect.provideService(References.MinimumLogLevel, "Debug")
      )
      assert.deepStrictEqual([messages, lines.length], [1, 1])
    }))

  it.effect("unhandled faults reach Effect's ErrorReporter: server faults at error, client faults skipped", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const reporters = ErrorReporter.layer([
        ErrorReporter.make(({ error, severity, attributes }) => {
          seen.push(
            `${severity} ${error.name} ${attributes.faultCode} ${attributes.eventId} ${attributes.correlationId}`
          )
        })
      ])
      const internal = new Fault.InternalError({})
      yield* Effect.gen(function*() {
        yield* Report.unhandled(internal)
        yield* Report.unhandled(new Fault.NotFound({}))
      }).pipe(Correlation.withId("c-9"), Effect.provide([reporters, Logger.layer([])]))
      // the fault carried no id of its own: the reporter gets the id of the work it failed in
      assert.deepStrictEqual(seen, [`Error InternalError InternalError ${internal.eventId} c-9`])
    }))

  it.effect("custom hooks replace the defaults they name and keep the others", () =>
    Effect.gen(function*() {
      const received: Array<string> = []
      const { layer, lines } = captureLogs()
      yield* Effect.gen(function*() {
        yield* Report.received(new Fault.RemoteFault({ remoteCode: "X" }))
        yield* Report.unhandled(new Fault.InternalError({}))
      }).pipe(Effect.provide([Report.layer({ received: (f) => Effect.sync(() => received.push(f.code)) }), layer]))
      assert.deepStrictEqual(received, ["RemoteFault"])
      assert.deepStrictEqual(lines.map((l) => l.level), ["Error"])
    }))

  it.effect("a cause is reported fault by fault: expected faults as handled, defects and internal faults as unhandled", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const hooks = Report.layer({
        handled: (f) => Effect.sync(() => calls.push(`handled ${f.code}`)),
        unhandled: (f) => Effect.sync(() => calls.push(`unhandled ${f.code}`))
      })
      const cause = Cause.combine(
        Cause.combine(Cause.fail(new Fault.NotFound({})), Cause.die(new Error("boom"))),
        Cause.interrupt()
      )
      yield* Report.cause(cause).pipe(Effect.provide(hooks))
      assert.deepStrictEqual(calls, ["handled NotFound", "unhandled InternalError"])
    }))
})
