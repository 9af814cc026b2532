"""When providers work: availability, bookable slots, and the claims on their time
that make double booking impossible."""
