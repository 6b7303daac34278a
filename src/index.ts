/**
 * effect-faults: communication failures as typed faults for Effect 4.
 *
 * The core knows no wire: `Fault` says what failed, `Catalog` gathers an application's faults,
 * `Exposure` decides what the other party may see, `Trust` what we believe of what it sends,
 * `Correlation` whose work it is, `Report` who is told. The interpreters (`effect-faults/http`,
 * `effect-faults/queue`, `effect-faults/rpc`) build on these.
 *
 * @since 0.1.0
 */

/**
 * What failed: the tagged fault classes, their codes, categories, sides and expected behaviour.
 *
 * @since 0.1.0
 */
export * as Fault from "./Fault.ts"

/**
 * An application's faults in one place; the OAS gateway catalog.
 *
 * @since 0.1.0
 */
export * as Catalog from "./Catalog.ts"

/**
 * What a remote party may see of a fault: the public view, redaction, trace truncation.
 *
 * @since 0.1.0
 */
export * as Exposure from "./Exposure.ts"

/**
 * What we believe of the other party's failures: distrust (the default) or trust.
 *
 * @since 0.1.0
 */
export * as Trust from "./Trust.ts"

/**
 * Whose work: the fiber-local correlation id, accepted, validated or generated.
 *
 * @since 0.1.0
 */
export * as Correlation from "./Correlation.ts"

/**
 * Who is told: received / handled / unhandled hooks with logging defaults.
 *
 * @since 0.1.0
 */
export * as Report from "./Report.ts"

/**
 * Transport faults from platform errors: looks through Effect, fetch and undici wrappers to Node's
 * system, DNS, undici and TLS/X.509 codes, and classifies each into a typed fault with its phase.
 *
 * @since 0.1.0
 */
export * as Network from "./Network.ts"

/**
 * What to do: retry, fallback, timeouts, circuit breaking and retry budgets decided by the fault,
 * layered as global defaults < per-service < per-call; log-and-continue; upstream hints stop here.
 *
 * @since 0.1.0
 */
export * as Policy from "./Policy.ts"

/**
 * Retry budgets (ratio of calls, token bucket) with an in-memory or Redis store shared by a fleet.
 *
 * @since 0.1.0
 */
export * as RetryBudget from "./RetryBudget.ts"
