import * as d3 from 'd3';
import { fanColor } from './palette';

/** The task view's legend: the true curve, the support points and the colour scale of the fan. */
export function FanLegend({ steps }: { steps: number }) {
  const w = 220;
  const stops = d3.range(0, 1.0001, 0.1);
  const ticks = steps <= 10 ? d3.range(steps + 1) : [0, steps];
  return (
    <div className="legend" aria-label="Legend of the task view">
      <span className="legend-item">
        <svg width="28" height="10" aria-hidden="true">
          <line x1="0" x2="28" y1="5" y2="5" className="truth-line" />
        </svg>
        true function
      </span>
      <span className="legend-item">
        <svg width="12" height="12" aria-hidden="true">
          <circle cx="6" cy="6" r="4.5" className="support-point" />
        </svg>
        support points (click to add or remove)
      </span>
      <span className="legend-item">
        prediction after inner step
        <svg
          width={w + 16}
          height="30"
          role="img"
          aria-label={`colour scale: test-time SGD steps 0 to ${steps}`}
        >
          <defs>
            <linearGradient id="fan-gradient">
              {stops.map((t) => (
                <stop
                  key={t}
                  offset={`${t * 100}%`}
                  stopColor={fanColor(t * Math.max(1, steps), Math.max(1, steps))}
                />
              ))}
            </linearGradient>
          </defs>
          <rect x="8" y="2" width={w} height="10" fill="url(#fan-gradient)" rx="2" />
          {ticks.map((t) => {
            const px = 8 + (steps === 0 ? 0 : (t / steps) * w);
            return (
              <g key={t}>
                <line x1={px} x2={px} y1="12" y2="16" stroke="#555" />
                <text x={px} y="27" textAnchor="middle" className="tick-text">
                  {t}
                </text>
              </g>
            );
          })}
        </svg>
      </span>
    </div>
  );
}
