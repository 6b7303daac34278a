/**
 * Tour, chapter 1: faults raised and matched, their codes, the redacted public view of an internal
 * fault, and correlation ids on every log line.
 */
import { Effect, Logger, Match, Schema } from "effect"
import { Catalog, Correlation, Exposure, Fault, Report } from "effect-faults"

// A user's own fault: code "InvalidInstanceID.NotFound" by the Nova/EC2 rule.
class InvalidInstanceID_NotFound extends Fault.define<InvalidInstanceID_NotFound>()("InvalidInstanceID_NotFound", {
  instanceId: Schema.String
}, {
  category: "application",
  expected: "FixRequest",
  message: (self) => `The instance ID '${self.instanceId}' does not exist`
}) {}

const lookup = (id: string) =>
  Effect.gen(function*() {
    yield* Effect.logInfo(`looking up ${id}`)
    if (id === "i-0") return yield* new InvalidInstanceID_NotFound({ instanceId: id })
    if (id === "i-1") {
      return yield* new Fault.Timeout({
        operation: "GET /instances/i-1",
        budget: "overall",
        afterMs: 30_000,
        phase: "MaybeDelivered"
      })
    }
    if (id === "i-2") {
      return yield* new Fault.InternalError({
        message: "pool exhausted: postgres://admin:hunter2@db.internal/app",
        cause: new Error("too many clients")
      })
    }
    return { id, state: "running" }
  })

const explain = Match.type<InvalidInstanceID_NotFound | Fault.Timeout | Fault.InternalError>().pipe(
  Match.tag("InvalidInstanceID_NotFound", (f) => `${f.code}: ${f.message} → ${f.expected}`),
  Match.tag("Timeout", (f) => `${f.code} after ${f.afterMs}ms (${f.budget}, ${f.phase}) → ${f.expected}`),
  Match.tag("InternalError", (f) => `${f.code} → ${f.expected}`),
  Match.exhaustive
)

export async function run() {
  console.log("\n=== 1. Faults: raised, matched, exposed, correlated ===")
  await Effect.runPromise(
    Effect.gen(function*() {
      for (const id of ["i-0", "i-1", "i-2", "i-3"]) {
        const outcome = yield* lookup(id).pipe(
          Effect.map((found) => `found ${found.id} (${found.state})`),
          Effect.catch((fault) => Effect.succeed(explain(fault)))
        )
        console.log(`  ${id}: ${outcome}`)
      }
      const internal = yield* Effect.flip(lookup("i-2"))
      const view = Exposure.view(internal, { correlationId: yield* Correlation.CorrelationId })
      console.log(
        "  what the other party sees of the internal fault:",
        JSON.stringify({
          code: view.code,
          message: view.message,
          status: view.status,
          correlationId: view.correlationId
        })
      )
      console.log("  what the log gets (below): the original, under event id", internal.eventId)
      yield* Report.unhandled(internal, { source: "tour" })
      const gateway = Exposure.view(new Fault.Unreachable({ host: "10.0.0.7", reason: "ECONNREFUSED" }), {
        catalog: Catalog.gateway
      })
      console.log(`  an unreachable device through the gateway catalog: ${gateway.status} ${gateway.message}`)
    }).pipe(
      Correlation.accept({ "x-correlator": "550e8400-e29b-11d4-a716-446655440000" }),
      Effect.provide(Logger.layer([Logger.consoleLogFmt]))
    )
  )
}

if (import.meta.main) await run()
