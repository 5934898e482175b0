package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An error answer of a Google API: {@code {"error":{"code","message","status","details"}}},
 * where {@code details[].reason} (google.rpc.ErrorInfo) and the older {@code errors[].reason}
 * carry machine-readable reasons.
 *
 * @param code the HTTP status
 * @param status the google.rpc code, such as {@code PERMISSION_DENIED}, or empty
 * @param message Google's message, or a placeholder when the body had none
 * @param reasons the reasons found, as given
 */
record GoogleError(int code, String status, String message, List<String> reasons) {

    private static final int MAX_MESSAGE = 500;

    /** Copies the reasons. */
    GoogleError {
        reasons = List.copyOf(reasons);
    }

    /**
     * Reads an error body. A body that is not Google's error JSON gives an error with the HTTP
     * status only.
     *
     * @param httpStatus the response's status
     * @param body the response body
     * @param json a mapper
     * @return the error, never {@code null}
     */
    static GoogleError parse(int httpStatus, byte[] body, ObjectMapper json) {
        JsonNode error;
        try {
            error = json.readTree(body).path("error");
        } catch (IOException | RuntimeException e) {
            error = json.missingNode();
        }
        if (!error.isObject()) {
            return new GoogleError(httpStatus, "", "no Google error details in the response",
                    List.of());
        }
        List<String> reasons = new ArrayList<>();
        error.path("details").forEach(detail -> addText(reasons, detail.path("reason")));
        error.path("errors").forEach(legacy -> addText(reasons, legacy.path("reason")));
        String message = error.path("message").asText("");
        return new GoogleError(httpStatus, error.path("status").asText(""),
                message.isBlank() ? "no message" : clean(message), reasons);
    }

    /**
     * Tells whether the error is a rate or quota limit, by reason: {@code rateLimitExceeded},
     * {@code userRateLimitExceeded} or {@code RATE_LIMIT_EXCEEDED} in any spelling.
     *
     * @return {@code true} for a rate limit
     */
    boolean isRateLimit() {
        for (String reason : reasons) {
            String normal = reason.replace("_", "").toLowerCase(Locale.ROOT);
            if (normal.equals("ratelimitexceeded") || normal.equals("userratelimitexceeded")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Describes the error for an exception message.
     *
     * @return such as {@code 403 PERMISSION_DENIED: The caller does not have permission}
     */
    String describe() {
        return code + (status.isEmpty() ? "" : " " + status) + ": " + message;
    }

    private static void addText(List<String> reasons, JsonNode reason) {
        if (reason.isTextual() && !reason.asText().isBlank()) {
            reasons.add(reason.asText());
        }
    }

    /**
     * Makes provider text safe for a log line: control characters become spaces and long text
     * is cut.
     *
     * @param text text from a response
     * @return the cleaned text
     */
    static String clean(String text) {
        String flat = text.replaceAll("\\p{Cntrl}", " ").strip();
        return flat.length() <= MAX_MESSAGE ? flat : flat.substring(0, MAX_MESSAGE) + "...";
    }
}
