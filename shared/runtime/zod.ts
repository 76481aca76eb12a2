import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * zod/mini, zod 4's functional API, imported as `import * as z from '#shared/runtime/zod.js'`:
 * a Lambda bundle keeps only the parts its schemas use (classic zod's methods keep all of it,
 * ~440 KB). Unlike classic zod it sets no locale, so the English messages that the API's
 * refusals quote are set here, once, for every schema.
 */
config(en());

export * from 'zod/mini';
