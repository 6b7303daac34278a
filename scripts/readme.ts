/**
 * README.md is assembled from the sections in docs/readme/ (one per part of the library, each kept
 * beside the code it describes by whoever changes it): `node scripts/readme.ts` rewrites it.
 */
import { readFileSync, writeFileSync } from "node:fs"

const sections = [
  "core",
  "policy",
  "http",
  "http-client",
  "queue",
  "rpc",
  "grpc",
  "secure",
  "benchmarks",
  "development"
]
const read = (name: string) => readFileSync(`docs/readme/${name}.md`, "utf8").trimEnd()
const anchor = (heading: string) => heading.toLowerCase().replace(/[^a-z0-9 -]/g, "").trim().replace(/ /g, "-")
const contents = sections.map((name) => {
  const heading = /^## (.+)$/m.exec(read(name))![1]!
  return `- [${heading}](#${anchor(heading)})`
})
const readme = [read("intro"), `## Contents\n\n${contents.join("\n")}`, ...sections.map(read)].join("\n\n") + "\n"
writeFileSync("README.md", readme)
console.log(`README.md: ${sections.length + 1} sections`)
