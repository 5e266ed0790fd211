/**
 * docs/api/index.html: the API reference as one static page, rendered offline by Scalar's standalone bundle
 * (`scalar-standalone.js` beside it, copied from @scalar/api-reference by `npm run openapi`) with the OpenAPI
 * document embedded, so it works from the file system as well as served. Nothing is fetched from elsewhere: no web
 * fonts, no telemetry, no hosted AI agent or MCP panel.
 */

/** The file name of Scalar's standalone bundle beside the page. */
export const REFERENCE_BUNDLE = 'scalar-standalone.js';

/** The page for `document`. */
export function referencePage(document: unknown): string {
  // `<` escaped, so no string in the document can close the script element.
  const embedded = JSON.stringify(document).replace(/</g, '\\u003c');
  const config = `{ content: ${embedded}, withDefaultFonts: false, defaultOpenAllTags: true, hideClientButton: true, telemetry: false, agent: { disabled: true }, mcp: { disabled: true } }`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '  <head>',
    '    <meta charset="utf-8" />',
    '    <meta name="viewport" content="width=device-width, initial-scale=1" />',
    '    <title>Stockade API reference</title>',
    '  </head>',
    '  <body>',
    '    <div id="app"></div>',
    `    <script src="./${REFERENCE_BUNDLE}"></script>`,
    `    <script>Scalar.createApiReference('#app', ${config});</script>`,
    '  </body>',
    '</html>',
    '',
  ].join('\n');
}
