import { useId, type ReactNode } from 'react';

/** Copy text to the clipboard; false where the page may not (then the user copies it by hand). */
export async function copyToClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The read-only share-link field both pages show under "Copy share link", and the summary of
 * what the link does with its warnings (empty until a link was made).
 */
export function ShareLinkField({
  link,
  summary,
  testId,
}: {
  /** the link made last: its URL, whether it reached the clipboard, its warnings */
  link: { url: string; copied: boolean; notes: string[] } | null;
  /** what opening the link does */
  summary: ReactNode;
  testId: string;
}) {
  const linkId = useId();
  return (
    <>
      <label htmlFor={linkId} className="visually-hidden">
        Share link
      </label>
      <input
        id={linkId}
        className="share-link"
        type="text"
        readOnly
        value={link?.url ?? ''}
        placeholder="press Copy share link"
        onFocus={(e) => e.currentTarget.select()}
        title="The share link: select it and copy it if the clipboard is not available."
      />
      {link ? (
        <p className="note" data-testid={testId}>
          {link.copied ? 'Copied to the clipboard. ' : 'Select the link above and copy it. '}
          {summary}
          {link.notes.map((n) => (
            <span key={n} className="warn-text">
              {' '}
              {n}
            </span>
          ))}
        </p>
      ) : null}
    </>
  );
}
