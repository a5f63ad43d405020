"""`comco palette calibrate`: measuring how each palette colour looks when rendered."""
