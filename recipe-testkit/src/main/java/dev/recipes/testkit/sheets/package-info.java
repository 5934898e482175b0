/**
 * A fake of Google's Sheets API and OAuth 2.0 token endpoint on loopback HTTP, and generated
 * service-account keys for it, to test recipes that write to Google Sheets without Google.
 */
package dev.recipes.testkit.sheets;
