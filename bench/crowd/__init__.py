"""The surge bench's parts (bench/surge.py): the shop under test, and a shopper."""
