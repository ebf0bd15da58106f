"""The certificate page itself: its layout, the words on it, the QR symbol and the seal's
artwork."""
