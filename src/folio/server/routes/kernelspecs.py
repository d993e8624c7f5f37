"""Routes for kernelspecs (being written)."""

from fastapi import APIRouter

router = APIRouter()
