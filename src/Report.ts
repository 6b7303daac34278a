/**
 * Who is told. Three hooks, as an Effect service with logging defaults:
 *
 * - **received**: a failure arrived from the other party (a remote fault, a message on our error
 *   queue);
 * - **handled**: a failure was turned into an answer (an error response, a disposition);
 * - **unhandled**: a failure nobody expected (an internal fault, a defect).
 *
 * Every log line carries the fault code, an event id stable per code, and the correlation id.
 * Unhandled failures are also handed to Effect's own `ErrorReporter`, which skips client faults
 * (4xx) and reports server faults at error level: faults carry the `ErrorReporter` annotations.
 *
 * @since 0.1.0
 */
import { Cause, Context, Effect, ErrorReporter, Layer, LogLevel, References } from "effect"
import * as Correlation from "./Correlation.ts"
import * as Fault from "./Fault.ts"

/**
 * Where and how a failure was met: the interpreter (`http`, `queue`, `rpc`…) and anything it wants
 * on the log line.
 *
 * @example
 * ```ts
 * import { Report } from "effect-faults"
 *
 * const ctx: Report.Context = { source: "queue", detail: { queue: "orders" } }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Context {
  readonly source?: string | undefined
  readonly detail?: Readonly<Record<string, unknown>> | undefined
}

/**
 * The three hooks.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Report } from "effect-faults"
 *
 * const counting: Report.Hooks = {
 *   ...Report.logging,
 *   received: (fault, ctx) => Effect.andThen(Report.logging.received(fault, ctx), Effect.sync(() => {}))
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Hooks {
  readonly received: (fault: Fault.Fault, context: Context) => Effect.Effect<void>
  readonly handled: (fault: Fault.Fault, context: Context) => Effect.Effect<void>
  readonly unhandled: (fault: Fault.Fault, context: Context) => Effect.Effect<void>
}

const annotations = (fault: Fault.Fault, context: Context, correlationId: string | undefined) => {
  const out: Record<string, unknown> = {
    faultCode: fault.code,
    eventId: fault.eventId,
    category: fault.category,
    origin: fault.origin
  }
  const cid = fault.correlationId ?? correlationId
  if (cid !== undefined) out.correlationId = cid
  if (context.source !== undefined) out.source = context.source
  if (context.detail !== undefined) Object.assign(out, context.detail)
  return out
}

const logAt = (
  level: "Debug" | "Info" | "Warn" | "Error",
  kind: string,
  fault: Fault.Fault,
  context: Context
): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    // A client fault is handled at Debug on every failed request, and Debug is below the default
    // minimum: when the line would be dropped, build none of it (message, annotations, context).
    if (LogLevel.isGreaterThan(fiber.getRef(References.MinimumLogLevel), level)) return Effect.void
    const message = `${kind} ${fault.code}: ${fault.message}`
    const log = fault.cause === undefined
      ? Effect.logWithLevel(level)(message)
      : Effect.logWithLevel(level)(message, fault.cause)
    return Effect.annotateLogs(log, annotations(fault, context, fiber.getRef(Correlation.CorrelationId)))
  })

/**
 * The default hooks: received → warning; handled → info for server faults, debug for client faults
 * (a 404 is an answer, not an incident); unhandled → error with the cause (the original of what the
 * wire saw redacted), and Effect's `ErrorReporter`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, Report } from "effect-faults"
 *
 * const log = Report.logging.unhandled(new Fault.InternalError({ cause: new Error("boom") }), { source: "http" })
 * ```
 *
 * @category hooks
 * @since 0.1.0
 */
export const logging: Hooks = {
  received: (fault, context) => logAt("Warn", "received", fault, context),
  handled: (fault, context) => logAt(fault.side === "client" ? "Debug" : "Info", "handled", fault, context),
  unhandled: (fault, context) =>
    Effect.andThen(
      logAt(fault.status < 500 ? "Info" : "Error", "unhandled", fault, context),
      // the reporter reads the fault's own attributes: give it the id of the work it failed in
      Effect.withFiber((fiber) => {
        // no reporter installed: nothing to copy or report (the usual case)
        if (fiber.getRef(ErrorReporter.CurrentErrorReporters).size === 0) return Effect.void
        const id = fault.correlationId === undefined ? fiber.getRef(Correlation.CorrelationId) : undefined
        return ErrorReporter.report(Cause.fail(id === undefined ? fault : Fault.withCorrelationId(fault, id)))
      })
    )
}

/**
 * Hooks that do nothing (tests, benchmarks).
 *
 * @example
 * ```ts
 * import { Report } from "effect-faults"
 *
 * const Quiet = Report.layer(Report.silent)
 * ```
 *
 * @category hooks
 * @since 0.1.0
 */
export const silent: Hooks = {
  received: () => Effect.void,
  handled: () => Effect.void,
  unhandled: () => Effect.void
}

/**
 * The hooks in force; {@link logging} by default.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Report } from "effect-faults"
 *
 * const hooks = Effect.map(Report.CurrentHooks, (h) => h === Report.logging)
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export const CurrentHooks: Context.Reference<Hooks> = Context.Reference<Hooks>("effect-faults/Report/Hooks", {
  defaultValue: () => logging
})

/**
 * Provides hooks; the ones not given keep the logging defaults.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Report } from "effect-faults"
 *
 * const seen: Array<string> = []
 * const Live = Report.layer({ received: (fault) => Effect.sync(() => seen.push(fault.code)) })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (hooks: Partial<Hooks>): Layer.Layer<never> =>
  Layer.succeed(CurrentHooks, { ...logging, ...hooks })

/**
 * Calls the `received` hook.
 *
 * @example
 * ```ts
 * import { Fault, Report } from "effect-faults"
 *
 * const tell = Report.received(new Fault.RemoteFault({ remoteCode: "E42" }), { source: "queue" })
 * ```
 *
 * @category reporting
 * @since 0.1.0
 */
export const received = (fault: Fault.Fault, context: Context = {}): Effect.Effect<void> =>
  Effect.flatMap(CurrentHooks, (hooks) => hooks.received(fault, context))

/**
 * Calls the `handled` hook.
 *
 * @example
 * ```ts
 * import { Fault, Report } from "effect-faults"
 *
 * const tell = Report.handled(new Fault.NotFound({ id: "42" }), { source: "http" })
 * ```
 *
 * @category reporting
 * @since 0.1.0
 */
export const handled = (fault: Fault.Fault, context: Context = {}): Effect.Effect<void> =>
  Effect.flatMap(CurrentHooks, (hooks) => hooks.handled(fault, context))

/**
 * Calls the `unhandled` hook.
 *
 * @example
 * ```ts
 * import { Fault, Report } from "effect-faults"
 *
 * const tell = Report.unhandled(new Fault.InternalError({ cause: new Error("boom") }), { source: "http" })
 * ```
 *
 * @category reporting
 * @since 0.1.0
 */
export const unhandled = (fault: Fault.Fault, context: Context = {}): Effect.Effect<void> =>
  Effect.flatMap(CurrentHooks, (hooks) => hooks.unhandled(fault, context))

/**
 * Reports whatever a failed effect's cause holds: each fault through the hook its nature calls for
 * (an expected fault → handled; an internal fault or a defect → unhandled), interruptions skipped.
 *
 * @example
 * ```ts
 * import { Cause } from "effect"
 * import { Report } from "effect-faults"
 *
 * const tell = Report.cause(Cause.die(new Error("boom")), { source: "rpc" })
 * ```
 *
 * @category reporting
 * @since 0.1.0
 */
export const cause = <E>(self: Cause.Cause<E>, context: Context = {}): Effect.Effect<void> =>
  Effect.flatMap(CurrentHooks, (hooks) =>
    Effect.forEach(self.reasons, (reason) => {
      if (Cause.isInterruptReason(reason)) return Effect.void
      const failure = Cause.isFailReason(reason) ? reason.error : reason.defect
      const fault = Fault.fromUnknown(failure)
      return fault.category === "internal" || !Fault.isFault(failure)
        ? hooks.unhandled(fault, context)
        : hooks.handled(fault, context)
    }, { discard: true }))
