import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Catalog, Fault } from "effect-faults"

describe("Catalog", () => {
  it("rejects duplicate codes with a clear error", () => {
    try {
      Catalog.make([
        { code: "OrderLocked", status: 423, title: "Order locked", description: "a" },
        { code: "OrderLocked", status: 409, title: "Order busy", description: "b" }
      ])
      assert.fail("expected DuplicateCode")
    } catch (e) {
      assert.instanceOf(e, Catalog.DuplicateCode)
      assert.strictEqual((e as Catalog.DuplicateCode).code, "OrderLocked")
      assert.include((e as Error).message, "duplicate fault code 'OrderLocked'")
    }
    assert.throws(() => Catalog.merge(Catalog.builtin, Catalog.fromFaults([Fault.NotFound])), /NotFound/)
  })

  it("derives entries from fault classes, with retry-after for retry-later faults", () => {
    class OrderLocked extends Fault.define<OrderLocked>()("OrderLocked", { orderId: Schema.String }, {
      category: "application",
      expected: "RetryLater",
      status: 423,
      description: "Sent whenever the order is being edited by another session."
    }) {}
    const catalog = Catalog.fromFaults([OrderLocked, Fault.NotFound])
    const entry = Catalog.get(catalog, "OrderLocked")!
    assert.strictEqual(entry.status, 423)
    assert.strictEqual(entry.title, "Order locked")
    assert.strictEqual(entry.description, "Sent whenever the order is being edited by another session.")
    assert.deepStrictEqual(entry.headers, ["retry-after"])
    assert.strictEqual(entry.fault, OrderLocked)
    assert.strictEqual(Catalog.get("NotFound")(catalog)?.status, 404)
  })

  it("the built-in catalog holds ContentTooLarge, answered with the instance's status (413 / 502)", () => {
    const entry = Catalog.get(Catalog.builtin, "ContentTooLarge")!
    assert.strictEqual(entry.fault, Fault.ContentTooLarge)
    assert.strictEqual(entry.title, "Content too large")
    assert.strictEqual(Catalog.statusFor(entry, new Fault.ContentTooLarge({ direction: "outbound" })), 413)
    assert.strictEqual(Catalog.statusFor(entry, new Fault.ContentTooLarge({ direction: "inbound" })), 502)
  })

  it("ships the OAS guide's gateway catalog with its exact messages", () => {
    const byStatus = new Map(Catalog.gateway.entries.map((e) => [e.status, e]))
    assert.deepStrictEqual([...byStatus.keys()], [429, 460, 461, 470, 471, 502, 530, 531, 532, 533, 550])
    assert.strictEqual(byStatus.get(429)!.title, "Too many requests")
    assert.strictEqual(
      byStatus.get(460)!.title,
      "Not connected. Requested device is currently not in connected state at the controller"
    )
    assert.strictEqual(byStatus.get(530)!.title, "Data invalid. Response data not available, incomplete or corrupted")
    assert.strictEqual(byStatus.get(531)!.title, "Bad Gateway. Authentication at upstream server failed.")
    assert.strictEqual(byStatus.get(532)!.title, "Bad Gateway. Upstream server not responding.")
    assert.strictEqual(byStatus.get(550)!.title, "Requestor information for callback execution not found.")
    assert.match(
      byStatus.get(532)!.description,
      /^Response in case the server is acting as a gateway or proxy and was unable to connect/
    )
  })

  it("maps what a gateway meets to the gateway codes", () => {
    const status = (f: Fault.Fault) => Catalog.lookup(Catalog.gateway, f)?.status
    assert.strictEqual(status(new Fault.Unreachable({ reason: "ECONNREFUSED" })), 532)
    assert.strictEqual(status(new Fault.Timeout({ budget: "response", afterMs: 1, phase: "MaybeDelivered" })), 532)
    assert.strictEqual(status(new Fault.SchemaViolation({ direction: "inbound", violations: [] })), 502)
    assert.strictEqual(status(new Fault.NotWellFormed({ format: "json", direction: "inbound", reason: "x" })), 530)
    // an answer too large for the gateway: the upstream's answer is unusable as is, not corrupted
    assert.strictEqual(status(new Fault.ContentTooLarge({ direction: "inbound", limitBytes: 1024 })), 502)
    assert.strictEqual(status(new Fault.ContentTooLarge({ direction: "outbound" })), undefined)
    assert.strictEqual(status(new Fault.RemoteFault({ remoteCode: "Unauthenticated", remoteStatus: 401 })), 531)
    assert.strictEqual(status(new Fault.RateLimited({})), 429)
    assert.strictEqual(status(new Fault.SchemaViolation({ direction: "outbound", violations: [] })), undefined)
  })

  it.effect("is a service with the built-in catalog by default", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Catalog.Current, Catalog.builtin)
      const provided = yield* Catalog.Current.pipe(Effect.provide(Catalog.layer(Catalog.gateway)))
      assert.strictEqual(provided, Catalog.gateway)
    }))
})
