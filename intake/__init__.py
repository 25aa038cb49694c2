"""The drop zone and the submission lifecycle: claim, read, validate, settle, receipts, status."""
