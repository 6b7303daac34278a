import { assert, describe, it } from "@effect/vitest"
import { Cause } from "effect"
import { failureOf, firstFailure } from "../src/internal/cause.ts"

describe("the failure a cause stands for (every interpreter)", () => {
  it("a typed failure wins over a defect listed before it; a defect alone is itself; an interruption is none", () => {
    const boom = new Error("boom")
    assert.deepStrictEqual(firstFailure(Cause.combine(Cause.die(boom), Cause.fail("typed"))), {
      value: "typed",
      defect: false
    })
    assert.deepStrictEqual(firstFailure(Cause.combine(Cause.die(boom), Cause.die("later"))), {
      value: boom,
      defect: true
    })
    assert.strictEqual(failureOf(Cause.combine(Cause.fail("first"), Cause.fail("second"))), "first")
    assert.isUndefined(failureOf(Cause.interrupt()))
  })
})
