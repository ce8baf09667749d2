import { useState } from 'react';
import type { ThetaDownloadUi } from '../shell/family';
import { useStore } from '../shell/store';

/** The share panel's θ download, in the file format the family gives. */
export function ThetaModelDownload({ download }: { download: ThetaDownloadUi }) {
  const phase = useStore((s) => s.phase);
  const [busy, setBusy] = useState(false);
  return (
    <div className="field-row">
      <button
        type="button"
        data-testid={download.testId}
        disabled={busy || phase !== 'ready'}
        title={download.title}
        onClick={() => {
          setBusy(true);
          void download
            .download()
            .catch((e: unknown) =>
              useStore
                .getState()
                .notify('error', 'Could not export θ', [e instanceof Error ? e.message : String(e)]),
            )
            .finally(() => setBusy(false));
        }}
      >
        {download.label}
      </button>
    </div>
  );
}
