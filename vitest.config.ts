import { defineConfig } from "vitest/config"

export default defineConfig({
  // Tests import the package by its own name ("effect-faults"), resolved to the sources.
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
