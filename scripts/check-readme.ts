/**
 * README lint: every ```ts block of README.md typechecks against the package (each block is a module
 * of its own), so the snippets users copy stay true. Run by `npm run lint`.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const dir = join(".tmp", "readme")
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
const blocks = [...readFileSync("README.md", "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
blocks.forEach((code, i) => writeFileSync(join(dir, `snippet${String(i).padStart(2, "0")}.ts`), `${code}\nexport {}\n`))
writeFileSync(
  join(dir, "tsconfig.json"),
  JSON.stringify({ extends: "../../tsconfig.json", compilerOptions: { noEmit: true }, include: ["./*.ts"] })
)
try {
  execFileSync(join("node_modules", ".bin", "tsc"), ["-p", dir], { stdio: "pipe" })
  console.log(`readme: ${blocks.length} TypeScript snippets typecheck`)
} catch (e) {
  console.error(String((e as { stdout?: Buffer }).stdout ?? e))
  console.error("readme: snippets that do not typecheck (files under .tmp/readme are numbered in README order)")
  process.exit(1)
}
