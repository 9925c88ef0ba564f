// Serves the browser example (examples/browser/): the page, its program
// (app.ts with the types stripped, as /app.js), the built package (dist/, so
// build first) and three slow "mirrors" for the page to fetch from.
//
//   npm run build && node examples/serve-browser.ts [--port N]
//
// Then open the printed address. It listens on loopback, on port 0 (the OS
// picks) unless --port is given; its first line of output is
// "browser example at http://127.0.0.1:PORT/". Ctrl-C stops it.
//
// Routes:
//   /                          the page
//   /app.js                    examples/browser/app.ts, types stripped
//   /dist/<file>               the built package (file names only, no paths)
//   /mirror/<name>?delay=MS    answers "<name> answered" after MS ms
//   /mirror/<name>?hang=1      never answers: held until the client gives up
//   /stats                     JSON counts of mirror requests: started,
//                              answered, aborted (closed by the client before
//                              the answer), open (started, not yet ended)
//
// A plain node:http server (Node 22.18+ runs this file as it is): the point is
// the page, which runs Skein in the browser.
import { readFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import { stripTypeScriptTypes } from "node:module";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const portFlag = process.argv.indexOf("--port");
const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new RangeError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(process.argv[portFlag + 1])}`);
}

const stats = { started: 0, answered: 0, aborted: 0, open: 0 };

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

const types: Record<string, string> = { js: "text/javascript", map: "application/json", html: "text/html" };

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  try {
    if (path === "/" || path === "/index.html") {
      send(res, 200, "text/html; charset=utf-8", await readFile(here("browser/index.html")));
    } else if (path === "/app.js") {
      const source = await readFile(here("browser/app.ts"), "utf8");
      send(res, 200, "text/javascript; charset=utf-8", stripTypeScriptTypes(source));
    } else if (/^\/dist\/[\w.-]+\.(js|map)$/.test(path) && !path.includes("..")) {
      const extension = path.slice(path.lastIndexOf(".") + 1);
      send(res, 200, `${types[extension]}; charset=utf-8`, await readFile(here(`..${path}`)));
    } else if (path.startsWith("/mirror/")) {
      mirror(res, decodeURIComponent(path.slice("/mirror/".length)), url.searchParams);
    } else if (path === "/stats") {
      send(res, 200, "application/json", JSON.stringify(stats));
    } else {
      send(res, 404, "text/plain", `not found: ${path}`);
    }
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    send(res, missing ? 404 : 500, "text/plain", missing ? `not found: ${path} (run \`npm run build\` first?)` : String(error));
  }
});

/** A mirror request: answered after `delay` ms, or held open (`hang`) until the client closes it. */
function mirror(res: ServerResponse, name: string, query: URLSearchParams): void {
  stats.started++;
  stats.open++;
  let timer: ReturnType<typeof setTimeout> | undefined;
  res.on("close", () => {
    clearTimeout(timer);
    stats.open--;
    if (!res.writableFinished) stats.aborted++;
  });
  if (query.has("hang")) {
    res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" });
    res.flushHeaders(); // the body never comes
    return;
  }
  timer = setTimeout(() => {
    stats.answered++;
    send(res, 200, "text/plain", `${name} answered`);
  }, Number(query.get("delay") ?? 0));
}

server.listen(port, "127.0.0.1", () => {
  const { port: actual } = server.address() as AddressInfo;
  console.log(`browser example at http://127.0.0.1:${actual}/`);
});
process.on("SIGINT", () => {
  server.closeAllConnections();
  server.close();
});
