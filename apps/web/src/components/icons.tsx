/** Small line icons (24×24, currentColor); decorative: the control around them carries the label. */
import type { ReceiptStatus } from '@carechat/protocol';
import type { ReactNode } from 'react';

function Icon({ children, size = 18 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

export const SendIcon = () => (
  <Icon>
    <path d="M4 12 20 4l-6 16-3-7z" />
    <path d="m11 13 9-9" />
  </Icon>
);
export const PaperclipIcon = () => (
  <Icon>
    <path d="m21 11-8.6 8.6a5 5 0 0 1-7-7L14 4a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4L15.6 7" />
  </Icon>
);
export const ReplyIcon = () => (
  <Icon size={16}>
    <path d="M9 14 4 9l5-5" />
    <path d="M4 9h10a6 6 0 0 1 6 6v4" />
  </Icon>
);
export const SmileIcon = () => (
  <Icon size={16}>
    <circle cx="12" cy="12" r="9" />
    <path d="M8.5 14a4 4 0 0 0 7 0M9 9.5h.01M15 9.5h.01" />
  </Icon>
);
export const EditIcon = () => (
  <Icon size={16}>
    <path d="M4 20h4L19 9l-4-4L4 16z" />
  </Icon>
);
export const TrashIcon = () => (
  <Icon size={16}>
    <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
  </Icon>
);
export const BackIcon = () => (
  <Icon>
    <path d="M15 18 9 12l6-6" />
  </Icon>
);
export const BellIcon = ({ off }: { off?: boolean }) => (
  <Icon>
    <path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z" />
    <path d="M10 20a2 2 0 0 0 4 0" />
    {off && <path d="M3 3l18 18" />}
  </Icon>
);
export const FileIcon = () => (
  <Icon>
    <path d="M6 3h8l5 5v13H6z" />
    <path d="M14 3v5h5" />
  </Icon>
);
export const CloseIcon = () => (
  <Icon size={16}>
    <path d="M6 6l12 12M18 6 6 18" />
  </Icon>
);
export const ArrowDownIcon = () => (
  <Icon size={16}>
    <path d="M12 5v14M6 13l6 6 6-6" />
  </Icon>
);

/** Message status ticks: one for sent, two for delivered, two coloured for read. */
export function Ticks({ status }: { status: ReceiptStatus }) {
  const label = status === 'read' ? 'Read' : status === 'delivered' ? 'Delivered' : 'Sent';
  return (
    <span className={`ticks ticks-${status}`} role="img" aria-label={label} title={label}>
      <svg width="18" height="12" viewBox="0 0 18 12" aria-hidden="true" focusable="false">
        <path
          d="M1.5 6.5 5 10l7-8"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.8"
          strokeLinecap="round"
        />
        {status !== 'sent' && (
          <path
            d="M7.5 8.8 9 10l7-8"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.8"
            strokeLinecap="round"
          />
        )}
      </svg>
    </span>
  );
}
