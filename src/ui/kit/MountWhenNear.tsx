import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Renders its children once they come within `margin` of the viewport (and from then on): a panel
 * far down a phone's page costs nothing while the page opens. Until then a placeholder of
 * `minHeight` keeps the page's length, so nothing below jumps when it appears.
 */
export function MountWhenNear({
  children,
  margin = '600px',
  minHeight,
}: {
  children: ReactNode;
  margin?: string;
  minHeight: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [near, setNear] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const el = ref.current;
    if (near || !el) return;
    const watcher = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setNear(true);
      },
      { rootMargin: margin },
    );
    watcher.observe(el);
    return () => watcher.disconnect();
  }, [near, margin]);
  if (near) return <>{children}</>;
  return <div ref={ref} style={{ minHeight }} aria-hidden="true" />;
}
