// Writes dist/ from src/ the way a bundler would: index.html plus one hashed asset.
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const js = readFileSync("src/main.js");
const hash = createHash("sha256").update(js).digest("hex").slice(0, 8);
mkdirSync("dist/assets", { recursive: true });
writeFileSync(`dist/assets/main-${hash}.js`, js);
writeFileSync("dist/index.html", `<!doctype html><script type="module" src="/assets/main-${hash}.js"></script>\n`);
appendFileSync("builds.log", "built\n");
