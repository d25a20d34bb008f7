"""Casework (العمل على الحالات): beneficiaries' support requests moving through the steps of the
policy version in force when each was opened."""
