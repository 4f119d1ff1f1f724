/**
 * Text made safe to place in XML or HTML content and in quoted attribute values: names come from
 * traces, topologies and command lines, and a series called "<script>" must stay a label.
 */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
