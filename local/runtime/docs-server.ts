import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import { REFERENCE_BUNDLE } from '../../shared/openapi/reference-page';
import { closeServer, listenOnLoopback } from './net';
import { PROJECT_ROOT } from './synth';

/** Scalar's standalone bundle as the pinned package ships it. */
export const SCALAR_STANDALONE = path.join(PROJECT_ROOT, 'node_modules', '@scalar', 'api-reference', 'dist', 'browser', 'standalone.js');

/** What /docs serves: the page, its bundle (the copy `npm run openapi` made, or the package's own) and the document. */
function fileFor(urlPath: string): { file: string; type: string } | undefined {
  const docs = path.join(PROJECT_ROOT, 'docs');
  if (urlPath === '/docs/' || urlPath === '/docs/index.html') return { file: path.join(docs, 'api', 'index.html'), type: 'text/html; charset=utf-8' };
  if (urlPath === `/docs/${REFERENCE_BUNDLE}`) {
    const copy = path.join(docs, 'api', REFERENCE_BUNDLE);
    return { file: existsSync(copy) ? copy : SCALAR_STANDALONE, type: 'text/javascript; charset=utf-8' };
  }
  if (urlPath === '/docs/openapi.json') return { file: path.join(docs, 'openapi.json'), type: 'application/json' };
  return undefined;
}

/**
 * The API reference of the local runtime: docs/api/index.html at /docs on its own loopback port (the emulated API
 * Gateway plays only the template's routes). Three fixed files, nothing else of the file system.
 */
export class DocsServer {
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const urlPath = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      // The page names its bundle relatively: /docs itself moves to /docs/.
      if (urlPath === '/docs') {
        res.writeHead(301, { Location: '/docs/' }).end();
        return;
      }
      const found = req.method === 'GET' || req.method === 'HEAD' ? fileFor(urlPath) : undefined;
      if (!found || !existsSync(found.file)) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: the API reference is at /docs\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': found.type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : readFileSync(found.file));
    });
    this.server = server;
    this.url = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
