import { assert, describe, it } from "@effect/vitest"

describe("runtime", () => {
  it("runs on Node >= 22.19 (provisioned by the node devDependency)", () => {
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number]
    assert.isTrue(major > 22 || (major === 22 && minor >= 19), `node ${process.versions.node}`)
  })
})
