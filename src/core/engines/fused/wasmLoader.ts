/**
 * A WebAssembly module shipped as base64 text (scripts/build-fused.mjs writes it), so the same
 * import works in Node, vitest and a Vite-built worker without loading a file: compiled once per
 * process or worker, asynchronously; each engine then gets a fresh instance (its own memory)
 * synchronously.
 */
export class WasmModuleLoader<Exports> {
  private compiled: Promise<WebAssembly.Module> | null = null;
  private loaded: WebAssembly.Module | null = null;
  private readonly imports: WebAssembly.Imports;

  /** `engine` names the engine in errors, `loadName` the function that loads it */
  constructor(
    private readonly base64: string,
    private readonly engine: string,
    private readonly loadName: string,
  ) {
    this.imports = {
      env: {
        abort: () => {
          throw new Error(`${engine}: wasm abort (out of memory?)`);
        },
      },
    };
  }

  async load(): Promise<void> {
    this.compiled ??= WebAssembly.compile(this.bytes());
    this.loaded = await this.compiled;
  }

  /** whether load() has finished, so engines can be made synchronously */
  get isLoaded(): boolean {
    return this.loaded !== null;
  }

  /** A fresh instance (own memory) of the loaded module. */
  instantiate(): Exports {
    if (!this.loaded) throw new Error(`${this.engine}: call ${this.loadName}() first`);
    return new WebAssembly.Instance(this.loaded, this.imports).exports as unknown as Exports;
  }

  private bytes(): Uint8Array<ArrayBuffer> {
    const text = atob(this.base64);
    const out = new Uint8Array(new ArrayBuffer(text.length));
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
}
