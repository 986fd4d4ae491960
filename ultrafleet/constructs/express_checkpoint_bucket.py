"""An S3 Express One Zone directory bucket in the training fleets' zone: the fast durable checkpoint tier."""
