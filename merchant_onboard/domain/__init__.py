"""Pure domain: VietQR, banks, text folding, the onboarding funnel and poster rendering (no Flask, no database)."""
