/** `npm run schemas:export`: writes the JSON Schema of every wire contract to schemas/json/. */
import { writeFile, mkdir } from 'node:fs/promises';
import { renderJsonSchemas } from './json-schema';

const outDir = new URL('./json/', import.meta.url);
await mkdir(outDir, { recursive: true });
for (const [file, text] of Object.entries(renderJsonSchemas())) {
  await writeFile(new URL(file, outDir), text);
  console.log(`wrote schemas/json/${file}`);
}
