package dev.recipes.examples;

import java.util.ArrayList;
import java.util.List;

/** Formats rows as a plain-text table. */
final class Table {

    private Table() {
    }

    static String of(List<String> header, List<List<Object>> rows) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(header);
        for (List<Object> row : rows) {
            List<String> line = new ArrayList<>();
            for (int i = 0; i < header.size(); i++) {
                line.add(i < row.size() ? String.valueOf(row.get(i)) : "");
            }
            cells.add(line);
        }
        int[] widths = new int[header.size()];
        for (List<String> line : cells) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line.get(i).codePointCount(0,
                        line.get(i).length()));
            }
        }
        StringBuilder table = new StringBuilder();
        for (int r = 0; r < cells.size(); r++) {
            appendLine(table, cells.get(r), widths);
            if (r == 0) {
                List<String> rule = new ArrayList<>();
                for (int width : widths) {
                    rule.add("-".repeat(width));
                }
                appendLine(table, rule, widths);
            }
        }
        return table.toString();
    }

    private static void appendLine(StringBuilder table, List<String> line, int[] widths) {
        for (int i = 0; i < widths.length; i++) {
            String cell = line.get(i);
            int pad = widths[i] - cell.codePointCount(0, cell.length());
            table.append(i == 0 ? "| " : " | ").append(cell).append(" ".repeat(pad));
        }
        table.append(" |").append(System.lineSeparator());
    }
}
