package dev.recipes.sheets;

import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.ServiceContext;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalQueries;
import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.Set;

/**
 * How timestamp cells are written: as given in ISO 8601 unless the configuration names a time
 * zone ({@code google-sheets.time-zone}, an IANA id), a pattern
 * ({@code google-sheets.date-time-pattern}, as {@link DateTimeFormatter#ofPattern(String)}
 * takes it) and a locale for that pattern ({@code google-sheets.locale}, a BCP 47 tag).
 *
 * @param zone the zone timestamps are shown in, or {@code null} for each value's own offset
 * @param formatter the pattern, or {@code null} for ISO 8601 with an offset
 */
record TimeFormat(ZoneId zone, DateTimeFormatter formatter) {

    /** The configuration keys read, after {@code google-sheets.}. */
    static final Set<String> KEYS = Set.of("time-zone", "date-time-pattern", "locale");

    /** Timestamps written as they come. */
    static final TimeFormat ISO = new TimeFormat(null, null);

    /**
     * Reads the configuration.
     *
     * @param context the service's context
     * @return the format
     * @throws RecipeException if the zone, pattern or locale is not valid
     */
    static TimeFormat from(ServiceContext context) {
        ZoneId zone = context.config("time-zone").map(TimeFormat::zone).orElse(null);
        Locale locale = context.config("locale").map(TimeFormat::locale).orElse(null);
        String pattern = context.config("date-time-pattern").orElse(null);
        if (locale != null && pattern == null) {
            throw new RecipeException("config 'google-sheets.locale': a locale only applies "
                    + "to 'google-sheets.date-time-pattern', which is not set");
        }
        DateTimeFormatter formatter = pattern == null ? null
                : formatter(pattern, locale == null ? Locale.ROOT : locale);
        return new TimeFormat(zone, formatter);
    }

    /**
     * Writes a timestamp given in ISO 8601 with an offset or a zone, such as
     * {@code 2024-05-01T12:00:00Z}, {@code 2024-05-01T14:00:00+02:00} or
     * {@code 2024-05-01T14:00+02:00[Europe/Paris]}.
     *
     * @param text the timestamp
     * @return the text as given when nothing is configured, else the timestamp in the
     *     configured zone and pattern
     * @throws IllegalArgumentException if the text is not such a timestamp
     */
    String format(String text) {
        ZonedDateTime time = parse(text);
        if (zone == null && formatter == null) {
            return text;
        }
        ZonedDateTime shown = zone == null ? time : time.withZoneSameInstant(zone);
        return formatter == null ? shown.toOffsetDateTime().toString()
                : formatter.format(shown);
    }

    private static ZonedDateTime parse(String text) {
        TemporalAccessor parsed;
        try {
            parsed = DateTimeFormatter.ISO_DATE_TIME.parse(text);
        } catch (DateTimeException e) {
            parsed = null;
        }
        if (parsed == null || !parsed.isSupported(ChronoField.OFFSET_SECONDS)
                && parsed.query(TemporalQueries.zoneId()) == null) {
            throw new IllegalArgumentException("'" + GoogleError.clean(text) + "' is not an "
                    + "ISO 8601 timestamp with an offset or zone, such as "
                    + "'2024-05-01T12:00:00Z'");
        }
        return parsed.query(TemporalQueries.zoneId()) != null
                ? ZonedDateTime.from(parsed) : OffsetDateTime.from(parsed).toZonedDateTime();
    }

    private static ZoneId zone(String value) {
        try {
            return ZoneId.of(value.strip());
        } catch (DateTimeException e) {
            throw new RecipeException("config 'google-sheets.time-zone': '" + value
                    + "' is not a time zone id, such as 'Europe/Paris' or 'UTC'");
        }
    }

    private static Locale locale(String value) {
        try {
            return new Locale.Builder().setLanguageTag(value.strip()).build();
        } catch (IllformedLocaleException e) {
            throw new RecipeException("config 'google-sheets.locale': '" + value
                    + "' is not a BCP 47 language tag, such as 'en-US' or 'de-DE'");
        }
    }

    private static DateTimeFormatter formatter(String pattern, Locale locale) {
        try {
            DateTimeFormatter formatter = DateTimeFormatter.ofPattern(pattern, locale);
            formatter.format(ZonedDateTime.parse("2024-05-01T12:00:00Z"));
            return formatter;
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new RecipeException("config 'google-sheets.date-time-pattern': '" + pattern
                    + "' is not a date-time pattern, such as 'yyyy-MM-dd HH:mm:ss': "
                    + e.getMessage());
        }
    }
}
