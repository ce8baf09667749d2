/**
 * The app's version (package.json), written into every run file. A named JSON import: tsx,
 * vitest and Vite all read it, and Vite bundles only this one field.
 */
import { version } from '../../../package.json';

export const APP_VERSION: string = version;
