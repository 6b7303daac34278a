import { it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { MemoryDriver } from "../../src/queue/index.ts"
import { dispositionSuite } from "./suite.ts"

dispositionSuite({
  name: "memory",
  layer: MemoryDriver.layer,
  test: (name, self) => it.effect(name, self),
  advance: (ms) => Effect.andThen(TestClock.adjust(ms), Effect.yieldNow),
  virtual: true
})
